// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "addresses.hpp"
#include "net_namespace.hpp"

namespace mvc {

// /proc/sys/net and /proc/net as one namespace sees them. Both follow the network namespace of the
// thread that opens them, so every access runs on a thread inside `ns` (NetNamespace::run).

// Writes /proc/sys/net/<setting>, e.g. "ipv6/conf/eth0/disable_ipv6". Returns false when the
// setting does not exist (a kernel without IPv6 has no ipv6/ directory); throws on other errors.
bool write_net_sysctl(const NetNamespace& ns, const std::string& setting, const std::string& value);

// Turns IPv6 off on one interface. Returns false when the kernel has no IPv6.
bool disable_ipv6(const NetNamespace& ns, const std::string& ifname);

// The link-layer multicast addresses an interface subscribes to (its dev_mc list, /proc/net/dev_mcast).
std::vector<MacAddress> multicast_subscriptions(const NetNamespace& ns, int ifindex);

}  // namespace mvc
