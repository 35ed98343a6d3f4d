// SPDX-License-Identifier: MIT
#include "kept_namespaces.hpp"

#include <unistd.h>

#include <cctype>

#include "netns_pin.hpp"

namespace mvc {

std::string kept_namespace_prefix(const std::string& what) {
    std::string safe;
    for (char c : what) safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '-';
    return "mvc" + std::to_string(::getpid()) + "-" + safe;  // the pid keeps names unique across runs
}

void print_kept_namespace_commands(const std::vector<std::string>& names, std::ostream& out) {
    for (const auto& n : names) out << "  ip netns exec " << n << " ip -d address show\n";
    out << "  remove it all: for ns in";
    for (const auto& n : names) out << " " << n;
    out << "; do ip netns del \"$ns\"; done\n";
}

void keep_namespaces(const std::string& test_name, const std::vector<std::pair<std::string, const NetNamespace*>>& namespaces,
                     std::ostream& out) {
    if (namespaces.empty()) return;
    std::vector<std::string> names;
    for (const auto& [label, ns] : namespaces) {
        names.push_back(kept_namespace_prefix(test_name) + "-" + label);
        pin_namespace(*ns, names.back());
    }
    out << "\nkept the namespaces of the failed test " << test_name << ":\n";
    print_kept_namespace_commands(names, out);
}

}  // namespace mvc
