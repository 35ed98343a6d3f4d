// SPDX-License-Identifier: MIT
#include "production_parent.hpp"

#include "bond_link.hpp"
#include "team_link.hpp"

namespace mvc {

namespace {

constexpr const char* kParentName = "parent";
constexpr const char* kPeerName = "peer";
constexpr const char* kSwitchName = "br0";
constexpr const char* kPeerAggregateName = "agg0";
constexpr std::array<const char*, 2> kPeerPorts{"q0", "q1"};
constexpr uint16_t kVlanId = 10;
// The interface index byte of planned_mac for the device under a VLAN (as the vlan variant's trunk).
constexpr uint8_t kLowerIndex = 9;

// Veth cables from host's ports to ext's, none up, none with an IPv6 link-local address (ports
// carry no addresses; their own router solicitations and MLD reports would only add noise).
std::array<std::pair<int, int>, 2> cable_ports(EndpointNode& host, EndpointNode& ext, const std::array<const char*, 2>& ext_names) {
    std::array<std::pair<int, int>, 2> out{};
    for (size_t i = 0; i < out.size(); ++i) {
        const auto n = static_cast<uint8_t>(1 + i);
        const int port = host.rtnl->create_veth(kAggregatePorts[i], planned_mac(kHostStation, n), ext_names[i],
                                                planned_mac(kExtStation, n), ext.ns);
        const int far = ext.rtnl->link(ext_names[i]).ifindex;
        host.rtnl->disable_ipv6_link_local(port);
        ext.rtnl->disable_ipv6_link_local(far);
        out[i] = {port, far};
    }
    return out;
}

// A bond or team of `variant`'s mode over two ports, in `node`. The ports join while down.
int make_aggregate(const VariantSpec& variant, EndpointNode& node, const std::string& name, const MacAddress& mac,
                   const std::array<int, 2>& ports, uint32_t miimon_ms) {
    int aggregate = 0;
    if (variant.parent == ParentKind::team) {
        aggregate = create_team(*node.rtnl, name, mac);
        // The activebackup runner leaves the ports' MACs alone (only the load-balancing runners set
        // the team's, team_modeop_port_enter); teamd's default hwaddr_policy "same_all" gives every
        // port the team's MAC, so frames for the team arrive for a port's own address (PACKET_HOST,
        // eth_type_trans), not as another host's that the IP stack drops.
        for (int p : ports) node.rtnl->set_mac(p, mac);
        TeamControl control(node.ns);
        control.set_runner(aggregate, variant.team_runner);  // team_change_mode: only while the team has no ports
        for (int p : ports) node.rtnl->set_master(p, aggregate);
        if (variant.team_runner == TeamRunner::activebackup) control.set_active_port(aggregate, ports[0]);
    } else {
        BondSpec spec;
        spec.name = name;
        spec.mac = mac;
        spec.mode = variant.bond_mode;
        spec.miimon_ms = miimon_ms;
        aggregate = create_bond(*node.rtnl, spec);
        for (int p : ports) node.rtnl->set_master(p, aggregate);
    }
    node.rtnl->disable_ipv6_link_local(aggregate);
    return aggregate;
}

// One Linux bridge that floods everything (no multicast snooping: it would hold back the test
// groups' frames until a querier shows up).
int make_bridge(EndpointNode& node, const std::string& name, const MacAddress& mac) {
    const int bridge = node.rtnl->create_bridge(name, mac);
    node.rtnl->disable_bridge_multicast_snooping(bridge);
    return bridge;
}

void build_bridge_parent(EndpointNode& host, EndpointNode& ext) {
    const int port = host.rtnl->create_veth(kAggregatePorts[0], planned_mac(kHostStation, 1), kPeerName, planned_mac(kExtStation), ext.ns);
    host.rtnl->disable_ipv6_link_local(port);
    const int bridge = make_bridge(host, kParentName, planned_mac(kHostStation));
    host.rtnl->set_master(port, bridge);
    host.links = {port, bridge};
    host.use_interface(bridge);
    const int peer = ext.rtnl->link(kPeerName).ifindex;
    ext.links = {peer};
    ext.use_interface(peer);
}

}  // namespace

void build_production_parent(const VariantSpec& variant, EndpointNode& host, EndpointNode& ext) {
    if (variant.parent == ParentKind::bridge) return build_bridge_parent(host, ext);
    if (!variant.aggregate()) throw std::logic_error("no production parent of kind " + std::string(to_string(variant.parent)));
    const bool to_switch = variant.far_end == FarEnd::switch_bridge;
    const auto cables = cable_ports(host, ext, to_switch ? kSwitchPorts : kPeerPorts);
    const std::array<int, 2> ports{cables[0].first, cables[1].first};
    const std::array<int, 2> far{cables[0].second, cables[1].second};
    const bool vlan = variant.parent == ParentKind::vlan_on_bond;

    // The far end first, its ports up: a veth has carrier once both ends are (veth_open), so the
    // bond finds each port's link up when it enslaves it (bond_enslave reads it at once) instead of
    // waiting for its link monitor, whose commit needs the RTNL lock it only ever tries for
    // (bond_mii_monitor: rtnl_trylock) and, while other topologies are being built, keeps missing.
    int far_end = 0;
    if (to_switch) {
        far_end = make_bridge(ext, kSwitchName, planned_mac(kExtStation, vlan ? kLowerIndex : 0));
        for (int p : far) {
            ext.rtnl->set_master(p, far_end);
            ext.rtnl->set_up(p);
        }
    } else {
        // The peer stands in for a switch's LAG: without link monitoring (miimon 0) a bond takes
        // its ports' links as up from the start (bond_enslave), as the switch side of a cable would.
        far_end = make_aggregate(variant, ext, kPeerAggregateName, planned_mac(kExtStation), far, 0);
    }
    ext.links = {far[0], far[1], far_end};
    if (vlan) ext.links.push_back(ext.rtnl->create_vlan(kPeerName, far_end, kVlanId, planned_mac(kExtStation)));
    ext.use_interface(ext.links.back());

    const int aggregate = make_aggregate(variant, host, vlan ? kVlanOnBondLower : kParentName,
                                         planned_mac(kHostStation, vlan ? kLowerIndex : 0), ports, BondSpec{}.miimon_ms);
    host.links = {ports[0], ports[1], aggregate};
    if (vlan) host.links.push_back(host.rtnl->create_vlan(kParentName, aggregate, kVlanId, planned_mac(kHostStation)));
    host.use_interface(host.links.back());
}

}  // namespace mvc
