// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "net_namespace.hpp"

namespace mvc {

// The interface flags as ifconfig(8) reads and writes them: SIOCGIFFLAGS / SIOCSIFFLAGS on a
// socket opened in the interface's namespace. The other way, next to netlink, that users set
// promiscuous mode (the field note shows both).
unsigned ioctl_get_flags(const NetNamespace& ns, const std::string& ifname);
void ioctl_set_flags(const NetNamespace& ns, const std::string& ifname, unsigned flags);

}  // namespace mvc
