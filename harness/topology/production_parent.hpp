// SPDX-License-Identifier: MIT
#pragma once

#include <array>

#include "endpoint_node.hpp"
#include "topology_spec.hpp"

namespace mvc {

// Parents as they are in production (issue 15): a bond, a team, a Linux bridge device, or VLAN 10
// on a bond, with what their ports are cabled to in ext (VariantSpec::far_end).
//
//   bond / team, far end "switch"              bond / team, far end "peer"
//   host:        parent                        host:        parent
//              /        \   (ports)                       /        \   (ports)
//          port0        port1                         port0        port1
//            |            |                             |            |
//   ext:    sw0          sw1                   ext:     q0           q1
//              \        /   (switch ports)                \        /   (ports)
//                br0        ext's addresses                 agg0       ext's, same mode
//
//   vlan_on_bond: parent = VLAN 10 on bond0 (the bond above, to a switch); ext's "peer" = VLAN 10 on br0.
//   bridge: parent = a bridge device whose one port, port0, is cabled to ext's "peer".
//
// Fills host and ext: every link to bring up in `links`, the interface that carries each one's
// addresses. No link is up yet (ports must be down to be enslaved: bond_enslave, team_port_add).
void build_production_parent(const VariantSpec& variant, EndpointNode& host, EndpointNode& ext);

// The names a test looks the ports up by: the aggregate's ports in host, and the switch's in ext
// (port i is cabled to switch port i).
inline constexpr std::array<const char*, 2> kAggregatePorts{"port0", "port1"};
inline constexpr std::array<const char*, 2> kSwitchPorts{"sw0", "sw1"};
inline constexpr const char* kVlanOnBondLower = "bond0";

}  // namespace mvc
