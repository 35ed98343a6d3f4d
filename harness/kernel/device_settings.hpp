// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <string>
#include <vector>

#include "net_namespace.hpp"
#include "rtnl.hpp"

namespace mvc {

// The per-device IPv4/IPv6 configuration and neighbour parameters of one interface: everything in
// /proc/sys/net/ipv4/conf/<if>/, ipv6/conf/<if>/, ipv4/neigh/<if>/ and ipv6/neigh/<if>/ (the
// net.ipv4.conf.<if>.* ... sysctls), addr_gen_mode and disable_ipv6 among them.
//
// They live in the device's inet and inet6 devices, not in the link, and a move to another network
// namespace loses them: dev_change_net_namespace (net/core/dev.c) unregisters the device in the old
// namespace and registers it again in the new one, and on NETDEV_REGISTER inetdev_init
// (net/ipv4/devinet.c) copies the new namespace's ipv4.devconf_dflt, ipv6_add_dev
// (net/ipv6/addrconf.c) copies its ipv6.devconf_dflt (addr_gen_mode from the kernel's own default),
// and both take neighbour parameters from neigh_parms_alloc (net/core/neighbour.c), which copies
// the table's own defaults (the initial namespace's: others have no neigh/default). So a lent peer
// comes back with the machine namespace's defaults, whatever it had.
//
// Read and written through /proc/sys/net from a thread inside the namespace rather than over
// rtnetlink: IPv6 settings cannot be written over rtnetlink at all (inet6_set_link_af takes only
// IFLA_INET6_TOKEN and IFLA_INET6_ADDR_GEN_MODE), IFLA_INET_CONF/IFLA_INET6_CONF are arrays indexed
// by enums that grow with every kernel while /proc names every value, and a sysctl write runs the
// handler that keeps the kernel consistent (for some values devinet_conf_proc flushes the route
// cache or sends a netconf notification, addrconf_sysctl_disable takes IPv6 down or brings it up),
// where IFLA_INET_CONF's ipv4_devconf_set only stores the number. The one exception is
// addr_gen_mode (see write_device_settings). The same trees are what `sysctl` shows a user.
struct DeviceSettings {
    // "ipv4/conf/arp_ignore" -> "2": the tree under /proc/sys/net, the file's name, and its text
    // without the trailing newline. A file that cannot be read is absent (an unset stable_secret
    // reads EIO), and so is a tree the device has none of (no IPv6 below an MTU of 1280).
    std::map<std::string, std::string> values;

    bool operator==(const DeviceSettings&) const = default;
};

// Every value of `ifname`'s four trees, as the namespace `ns` shows them.
DeviceSettings read_device_settings(const NetNamespace& ns, const std::string& ifname);

// Gives interface `ifindex` (in `ns`, which `rtnl` speaks to) the values of `wanted` it does not
// have, in the order the kernel needs; returns what could not be written (empty on success).
// Call it after the link's MTU is back (ipv6/conf/mtu may not exceed it) and, for a link that was
// moved, before it goes up: NETDEV_UP makes the link-local address by addr_gen_mode.
//
// Order: IPv4, then neighbour parameters (seconds before their _ms twins, which are finer), then
// stable_secret (writing it switches addr_gen_mode to stable_privacy, addrconf_sysctl_stable_secret),
// addr_gen_mode, the other IPv6 values, ipv6 mtu, and disable_ipv6 last: turning IPv6 back on
// makes addresses from the settings already in place. addr_gen_mode goes as IFLA_INET6_ADDR_GEN_MODE,
// which only stores it (inet6_set_link_af): its sysctl (addrconf_sysctl_addr_gen_mode) makes a
// link-local address at once, even on a link that is down.
std::vector<std::string> write_device_settings(Rtnl& rtnl, const NetNamespace& ns, int ifindex, const DeviceSettings& wanted);

// "net.ipv4.conf.nic1.arp_ignore is 8, was 2", one line per value that differs; empty when equal.
std::vector<std::string> device_settings_differences(const std::string& ifname, const DeviceSettings& now,
                                                     const DeviceSettings& original);

}  // namespace mvc
