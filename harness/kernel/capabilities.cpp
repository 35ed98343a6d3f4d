// SPDX-License-Identifier: MIT
#include "capabilities.hpp"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <sys/socket.h>

#include <fstream>

#include "error.hpp"
#include "net_namespace.hpp"
#include "ethtool_info.hpp"
#include "macvlan_link.hpp"
#include "rtnl.hpp"
#include "tap_device.hpp"
#include "team_link.hpp"

namespace mvc {

namespace {

// Tries to create a link of `kind` (on `lower` when given). EOPNOTSUPP is the kernel saying it has
// no such link type; any other answer, even a refusal of our minimal request, means it has one.
Feature probe_kind(Rtnl& rtnl, const std::string& name, const std::string& kind, int lower, std::string why) {
    Feature f{name, false, "", std::move(why)};
    nl_msg* msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    ifinfomsg ifi{};
    nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    nla_put_string(msg, IFLA_IFNAME, ("probe-" + kind).substr(0, 15).c_str());
    if (lower) nla_put_u32(msg, IFLA_LINK, static_cast<uint32_t>(lower));
    nlattr* info = nla_nest_start(msg, IFLA_LINKINFO);
    nla_put_string(msg, IFLA_INFO_KIND, kind.c_str());
    nla_nest_end(msg, info);
    std::string extack;
    const int error = rtnl.transact(msg, &extack);
    f.present = error != EOPNOTSUPP;
    if (f.present)
        f.detail = "RTM_NEWLINK kind '" + kind + "' accepted by the kernel" + (error ? " (then refused the bare request: " + errno_name(error) + ")" : "");
    else
        f.detail = "RTM_NEWLINK kind '" + kind + "' returned EOPNOTSUPP: the kernel has no " + kind +
                   " link type (not built in, and no module was loaded)";
    return f;
}

Feature probe_ipv6(const NetNamespace& scratch) {
    Feature f{"ipv6", false, "", "every topology is addressed in both families; without IPv6 the ipv6 cells skip"};
    scratch.run([&] {
        std::ifstream disabled("/proc/sys/net/ipv6/conf/default/disable_ipv6");
        int value = 1;
        if (!(disabled >> value)) {
            f.detail = "/proc/sys/net/ipv6 is missing: the kernel has no IPv6 (CONFIG_IPV6=n or ipv6.disable=1)";
            return;
        }
        if (value != 0) {
            f.detail = "net.ipv6.conf.default.disable_ipv6=1 in new namespaces (inherited via devconf_inherit_init_net)";
            return;
        }
        const int s = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0) {
            f.detail = "socket(AF_INET6) failed: " + errno_name(errno);
            return;
        }
        ::close(s);
        f.present = true;
        f.detail = "AF_INET6 sockets work and new namespaces have IPv6 enabled";
    });
    return f;
}

Feature probe_user_namespaces() {
    Feature f{"user_namespaces", false, "", "rootless runs re-execute inside a user namespace"};
    std::ifstream max("/proc/sys/user/max_user_namespaces");
    long value = 0;
    if (!(max >> value)) {
        f.detail = "/proc/sys/user/max_user_namespaces is missing: CONFIG_USER_NS=n";
    } else {
        f.present = value > 0;
        f.detail = "user.max_user_namespaces=" + std::to_string(value);
    }
    return f;
}

// Macvlan attributes are probed on a real slave: a kernel that does not know an attribute ignores
// it in IFLA_INFO_DATA (or, for flags, refuses unknown bits), and only reports what it knows.
void probe_macvlan_attributes(Rtnl& rtnl, int lower, Capabilities& c) {
    c.bc_queue_len = {"bc_queue_len", false, "", "the broadcast queue tests (bcqueuelen)"};
    c.bc_cutoff = {"bc_cutoff", false, "", "the bc_cutoff tests"};
    c.nodst = {"nodst", false, "", "the source-mode nodst flag tests"};
    if (!c.macvlan.present || !lower) {
        for (Feature* f : {&c.bc_queue_len, &c.bc_cutoff, &c.nodst}) f->detail = "not probed: no macvlan";
        return;
    }
    MacvlanSpec spec;
    spec.name = "probe-mvattr";
    spec.lower_ifindex = lower;
    spec.mode = MacvlanMode::bridge;
    spec.bc_cutoff = -1;
    create_macvlan(rtnl, spec);
    const int probe = rtnl.link(spec.name).ifindex;
    const MacvlanInfo info = macvlan_info(rtnl, probe);
    c.bc_queue_len.present = info.bc_queue_len.has_value();
    c.bc_queue_len.detail = c.bc_queue_len.present ? "IFLA_MACVLAN_BC_QUEUE_LEN reported (default " + std::to_string(*info.bc_queue_len) + ")"
                                                   : "IFLA_MACVLAN_BC_QUEUE_LEN not reported: the kernel predates 5.11";
    c.bc_cutoff.present = info.bc_cutoff.has_value();
    c.bc_cutoff.detail = c.bc_cutoff.present ? "IFLA_MACVLAN_BC_CUTOFF set to -1 and read back"
                                             : "IFLA_MACVLAN_BC_CUTOFF ignored: the kernel predates 6.4";
    rtnl.delete_link(probe);
    spec.name = "probe-nodst";
    spec.mode = MacvlanMode::source;
    spec.bc_cutoff.reset();
    spec.flags = kMacvlanFlagNoDst;
    try {
        create_macvlan(rtnl, spec);
        c.nodst.present = true;
        c.nodst.detail = "MACVLAN_FLAG_NODST accepted";
    } catch (const NetlinkError& e) {
        c.nodst.detail = "MACVLAN_FLAG_NODST refused with " + errno_name(e.error()) + ": the kernel does not know this flag";
    }
}

// A VM endpoint needs all of it: the link type, its queue opened through a device node of our own
// (mknod needs CAP_MKNOD in the initial user namespace: a rootless run has none), and a TAP.
Feature probe_macvtap(Rtnl& rtnl, const NetNamespace& scratch, int lower) {
    Feature f{"macvtap", false, "", "the VM endpoints (macvtap slaves, as libvirt's <interface type='direct'>)"};
    if (!lower) {
        f.detail = "not probed: no veth to stack it on";
        return f;
    }
    MacvlanSpec spec;
    spec.kind = "macvtap";
    spec.name = "probe-mvtap";
    spec.lower_ifindex = lower;
    spec.mode = MacvlanMode::bridge;
    try {
        create_macvlan(rtnl, spec);
        const UniqueFd queue = open_macvtap_queue(scratch, spec.name);
        const UniqueFd tap = create_tap(scratch, "probe-tap");
        f.present = true;
        f.detail = "created a macvtap, opened its queue through a private device node, created a TAP";
    } catch (const NetlinkError& e) {
        f.detail = e.error() == EOPNOTSUPP ? "RTM_NEWLINK kind 'macvtap' returned EOPNOTSUPP: the kernel has no macvtap link type (not built in, and no module was loaded)"
                                           : std::string("creating a macvtap failed: ") + e.what();
    } catch (const SystemError& e) {
        f.detail = std::string(e.what()) + ": the macvtap's queue or a TAP cannot be opened by this process";
    }
    return f;
}

// A team is only usable with its runners: the link type alone says nothing about the mode modules
// (team_change_mode loads team-mode-<name> on demand and refuses an unknown one with EINVAL).
Feature probe_team(Rtnl& rtnl, const NetNamespace& scratch) {
    Feature f{"team", false, "", "team parents (runners activebackup and roundrobin)"};
    try {
        const int team = create_team(rtnl, "probe-team", MacAddress::local(0xfe, 2));
        TeamControl control(scratch);
        control.set_runner(team, TeamRunner::roundrobin);
        control.set_runner(team, TeamRunner::activebackup);
        f.present = true;
        f.detail = "created a team and chose its runners roundrobin and activebackup over generic netlink";
    } catch (const NetlinkError& e) {
        f.detail = e.error() == EOPNOTSUPP ? "RTM_NEWLINK kind 'team' (or the generic netlink family 'team') is missing: "
                                             "the kernel has no team driver (not built in, and no module was loaded)"
                                           : std::string("a team runner cannot be chosen (team_mode_activebackup and "
                                                         "team_mode_roundrobin must be loadable): ") + e.what();
    }
    return f;
}

}  // namespace

Capabilities Capabilities::probe() {
    Capabilities c;
    c.privileges = {"privileges", true, "created the run's network namespace (CAP_SYS_ADMIN, CAP_NET_ADMIN)",
                    "every test builds namespaces and links"};
    const NetNamespace scratch = NetNamespace::create();
    Rtnl rtnl(scratch);
    int lower = 0;
    try {
        rtnl.create_veth("probe0", MacAddress::local(0xfe, 0), "probe1", MacAddress::local(0xfe, 1), scratch);
        lower = rtnl.link("probe0").ifindex;
        c.veth = {"veth", true, "created a veth pair", "the default parent and its external peer are a veth pair"};
    } catch (const NetlinkError& e) {
        c.veth = {"veth", false, e.what(), "the default parent and its external peer are a veth pair"};
    }
    c.bridge = probe_kind(rtnl, "bridge", "bridge", 0, "the hairpin variants put the external peer on a bridge");
    if (lower) {
        c.macvlan = probe_kind(rtnl, "macvlan", "macvlan", lower, "everything this suite tests is a macvlan");
        c.vlan_8021q = probe_kind(rtnl, "8021q", "vlan", lower, "802.1Q sub-interfaces as macvlan parents");
        c.ipvlan = probe_kind(rtnl, "ipvlan", "ipvlan", lower, "ipvlan and macvlan competing for one parent");
    } else {
        for (Feature* f : {&c.macvlan, &c.vlan_8021q, &c.ipvlan}) f->detail = "not probed: no veth to stack it on";
        c.macvlan.name = "macvlan";
        c.vlan_8021q.name = "8021q";
        c.ipvlan.name = "ipvlan";
    }
    c.dummy = probe_kind(rtnl, "dummy", "dummy", 0, "the dummy-parent variant (a parent with no wire)");
    c.bonding = probe_kind(rtnl, "bonding", "bond", 0, "bond parents, VLANs on bonds, failover (the bonding driver)");
    c.team = probe_team(rtnl, scratch);
    probe_macvlan_attributes(rtnl, lower, c);
    c.macvtap = probe_macvtap(rtnl, scratch, lower);
    if (lower) {
        try {
            c.veth_driver = driver_info(scratch, "probe0").driver;
        } catch (const SystemError&) {
            c.veth_driver = "unknown";
        }
    }
    c.ipv6 = probe_ipv6(scratch);
    c.user_namespaces = probe_user_namespaces();
    return c;  // the scratch namespace, and whatever the probes created in it, goes away here
}

Capabilities Capabilities::unprivileged(const std::string& detail) {
    Capabilities c;
    c.privileges = {"privileges", false, detail, "every test builds namespaces and links"};
    for (auto [f, name] : {std::pair{&c.veth, "veth"}, {&c.bridge, "bridge"}, {&c.macvlan, "macvlan"},
                           {&c.dummy, "dummy"}, {&c.vlan_8021q, "8021q"}, {&c.ipvlan, "ipvlan"}, {&c.ipv6, "ipv6"},
                           {&c.bc_queue_len, "bc_queue_len"}, {&c.bc_cutoff, "bc_cutoff"}, {&c.nodst, "nodst"},
                           {&c.macvtap, "macvtap"}, {&c.bonding, "bonding"}, {&c.team, "team"}}) {
        f->name = name;
        f->detail = "not probed: no privileges";
    }
    c.user_namespaces = probe_user_namespaces();
    return c;
}

std::vector<const Feature*> Capabilities::all() const {
    return {&privileges, &veth, &bridge, &macvlan, &dummy, &vlan_8021q, &ipvlan, &ipv6, &user_namespaces,
            &bc_queue_len, &bc_cutoff, &nodst, &macvtap, &bonding, &team};
}

std::string Capabilities::missing(const Feature& feature) {
    if (feature.present) return "";
    return "needs " + feature.name + ": " + feature.detail;
}

}  // namespace mvc
