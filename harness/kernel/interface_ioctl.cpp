// SPDX-License-Identifier: MIT
#include "interface_ioctl.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

#include "error.hpp"
#include "unique_fd.hpp"

namespace mvc {

namespace {
template <typename Fn>
auto with_ifreq(const NetNamespace& ns, const std::string& ifname, Fn&& fn) {
    return ns.run([&] {
        UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!fd) throw_errno("socket for interface ioctl");
        ifreq ifr{};
        std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
        return fn(fd.get(), ifr);
    });
}
}  // namespace

unsigned ioctl_get_flags(const NetNamespace& ns, const std::string& ifname) {
    return with_ifreq(ns, ifname, [&](int fd, ifreq& ifr) {
        if (::ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) throw_errno("SIOCGIFFLAGS " + ifname);
        return static_cast<unsigned>(static_cast<unsigned short>(ifr.ifr_flags));
    });
}

void ioctl_set_flags(const NetNamespace& ns, const std::string& ifname, unsigned flags) {
    with_ifreq(ns, ifname, [&](int fd, ifreq& ifr) {
        ifr.ifr_flags = static_cast<short>(flags);
        if (::ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) throw_errno("SIOCSIFFLAGS " + ifname);
        return 0;
    });
}

}  // namespace mvc
