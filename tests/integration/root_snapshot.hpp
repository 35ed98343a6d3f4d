// SPDX-License-Identifier: MIT
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>

#include <boost/process.hpp>
#include <nlohmann/json.hpp>

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

// One interface as observers outside the harness see it, for "it came back identical": what
// `ip -d -j link show` and `ip -j addr show` print for it, and every file of its
// /proc/sys/net/ipv{4,6}/{conf,neigh}/<if>/ trees (an unreadable one, such as an unset
// stable_secret, by its errno). Read inside `ns` (iproute2 through nsenter, /proc from a thread
// there), never through the harness's own libnl or /proc code.
inline nlohmann::json interface_observation(const NetNamespace& ns, const std::string& ifname) {
    namespace bp = boost::process;
    nlohmann::json seen;
    const auto ip = [&](std::vector<std::string> args) {
        std::vector<std::string> argv{"--net=/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(ns.fd()), "--", "ip"};
        argv.insert(argv.end(), args.begin(), args.end());
        bp::ipstream out;
        bp::child child(bp::search_path("nsenter"), bp::args(argv), bp::std_in < bp::null, bp::std_out > out, bp::std_err > bp::null);
        std::ostringstream text;
        text << out.rdbuf();
        child.wait();
        if (child.exit_code() != 0) return nlohmann::json("ip exited " + std::to_string(child.exit_code()));
        return nlohmann::json::parse(text.str());
    };
    seen["ip -d -j link"] = ip({"-d", "-j", "link", "show", "dev", ifname});
    seen["ip -j addr"] = ip({"-j", "addr", "show", "dev", ifname});
    ns.run([&] {
        for (const char* tree : {"ipv4/conf", "ipv6/conf", "ipv4/neigh", "ipv6/neigh"}) {
            const std::filesystem::path dir = std::filesystem::path("/proc/sys/net") / tree / ifname;
            nlohmann::json files = nlohmann::json::object();
            std::error_code ec;
            for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
                const int fd = ::open(e.path().c_str(), O_RDONLY | O_CLOEXEC);
                std::string value;
                char buf[512];
                ssize_t n = fd < 0 ? -1 : 0;
                while (fd >= 0 && (n = ::read(fd, buf, sizeof buf)) > 0) value.append(buf, static_cast<size_t>(n));
                if (n < 0) value = std::string("<unreadable: ") + std::strerror(errno) + ">";
                if (fd >= 0) ::close(fd);
                files[e.path().filename().string()] = value;
            }
            seen[tree] = ec ? nlohmann::json("<absent: " + ec.message() + ">") : files;
        }
    });
    return seen;
}

}  // namespace mvc::testing_support
