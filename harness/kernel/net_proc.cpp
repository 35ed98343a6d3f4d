// SPDX-License-Identifier: MIT
#include "net_proc.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>

#include "error.hpp"
#include "unique_fd.hpp"

namespace mvc {

bool write_net_sysctl(const NetNamespace& ns, const std::string& setting, const std::string& value) {
    const std::string path = "/proc/sys/net/" + setting;
    return ns.run([&] {
        UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
        if (!fd) {
            if (errno == ENOENT) return false;
            throw_errno("open " + path);
        }
        if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
            throw_errno("write " + path);
        return true;
    });
}

bool disable_ipv6(const NetNamespace& ns, const std::string& ifname) {
    return write_net_sysctl(ns, "ipv6/conf/" + ifname + "/disable_ipv6", "1");
}

std::vector<MacAddress> multicast_subscriptions(const NetNamespace& ns, int ifindex) {
    // thread-self, not self: /proc/self/net would show the namespace of the process's main thread.
    const std::string text = ns.run([] {
        std::ifstream in("/proc/thread-self/net/dev_mcast");
        if (!in) throw_errno("open /proc/thread-self/net/dev_mcast");
        std::ostringstream all;
        all << in.rdbuf();
        return all.str();
    });
    std::vector<MacAddress> addresses;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        // "ifindex name users global_use address", the address as 12 hex digits without separators.
        std::istringstream fields(line);
        int index = 0;
        std::string name, users, global, hex;
        if (!(fields >> index >> name >> users >> global >> hex) || index != ifindex || hex.size() != 12) continue;
        std::array<uint8_t, 6> bytes{};
        for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
        addresses.emplace_back(bytes);
    }
    return addresses;
}

}  // namespace mvc
