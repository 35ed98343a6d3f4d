#pragma once

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>

#include "net_namespace.hpp"
#include "rtnl.hpp"

namespace mvc::testing_support {

// What a user would notice if the harness touched the machine's own network namespace: its
// links (with flags, MTU, MAC, promiscuity counter, master), its addresses and its named
// namespaces. Read-only.
inline std::string root_namespace_snapshot() {
    const NetNamespace root = NetNamespace::of_current_thread();
    Rtnl rtnl(root);
    std::ostringstream out;
    for (const auto& l : rtnl.links())
        out << "link " << l.ifindex << " " << l.name << " kind=" << l.kind << " flags=" << std::hex << l.flags << std::dec
            << " mtu=" << l.mtu << " mac=" << l.mac.str() << " promiscuity=" << l.promiscuity
            << " master=" << l.master_ifindex << "\n";
    auto addresses = rtnl.addresses();
    std::sort(addresses.begin(), addresses.end(), [](const auto& a, const auto& b) {
        return std::tie(a.ifindex, a.address) < std::tie(b.ifindex, b.address);
    });
    for (const auto& a : addresses) out << "address " << a.ifindex << " " << a.address << "\n";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) out << "netns " << e.path().filename().string() << "\n";
    return out.str();
}

}  // namespace mvc::testing_support
