// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

namespace mvc {

// One thing the kernel or the process may or may not have, found by trying it, with what a
// reader needs to know when it is missing.
struct Feature {
    std::string name;
    bool present = false;
    std::string detail;  // how it was found out: the errno, the file read
    std::string why;     // what depends on it
};

struct Capabilities {
    Feature privileges;  // CAP_NET_ADMIN + CAP_SYS_ADMIN: creating network namespaces and links
    Feature veth, bridge, macvlan, dummy, vlan_8021q, ipvlan, ipv6, user_namespaces;
    Feature bc_queue_len, bc_cutoff, nodst;  // macvlan attributes newer kernels added
    Feature macvtap;  // a macvtap whose queue this process can open, and a TAP beside it (VM endpoints)
    // Aggregates as parents: the bonding driver, and the team driver with both runners the suites use
    // (team_mode_activebackup, team_mode_roundrobin) and its generic netlink family.
    Feature bonding, team;
    std::string veth_driver;                  // ETHTOOL_GDRVINFO of the default parent kind

    // Probes every kernel feature in a scratch namespace. Call from inside the sandbox.
    static Capabilities probe();
    // What to report when the process could not even make a namespace.
    static Capabilities unprivileged(const std::string& detail);

    std::vector<const Feature*> all() const;
    // The skip reason for something that needs `feature`, or "" when it is present.
    static std::string missing(const Feature& feature);
};

}  // namespace mvc
