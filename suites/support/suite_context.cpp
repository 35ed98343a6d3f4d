// SPDX-License-Identifier: MIT
#include "suite_context.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "external_peer.hpp"

namespace mvc {

namespace {
SuiteContext* current = nullptr;
}

SuiteContext& suite_context() {
    if (!current) throw std::logic_error("no suite context: tests run only inside macvlan-conformance");
    return *current;
}

void set_suite_context(SuiteContext* context) { current = context; }

const WireSource& SuiteContext::wire_source() const { return wires ? *wires : fresh_wires(); }

std::string SuiteContext::skip_reason(const CellId& cell) const {
    const TopologySpec* spec = catalog.find(cell.topology, cell.variant);
    if (!spec) throw std::logic_error("no topology " + cell.topology_id());
    return skip_reason(*spec, cell.family);
}

std::string SuiteContext::skip_reason(const TopologySpec& topology, Family family) const {
    const auto& caps = capabilities;
    const TopologySpec* spec = &topology;
    for (const Feature* needed : {&caps.privileges, &caps.macvlan}) {
        if (!needed->present) return Capabilities::missing(*needed);
    }
    if (spec->variant.parent == ParentKind::veth && !caps.veth.present) return Capabilities::missing(caps.veth);
    if (spec->variant.parent == ParentKind::dummy && !caps.dummy.present) return Capabilities::missing(caps.dummy);
    if (spec->variant.parent == ParentKind::vlan) {
        if (!caps.veth.present) return Capabilities::missing(caps.veth);
        if (!caps.vlan_8021q.present) return Capabilities::missing(caps.vlan_8021q);
    }
    const auto parent = spec->variant.parent;
    if (parent != ParentKind::dummy && !caps.veth.present) return Capabilities::missing(caps.veth);
    if ((parent == ParentKind::bond || parent == ParentKind::vlan_on_bond) && !caps.bonding.present)
        return Capabilities::missing(caps.bonding);
    if (parent == ParentKind::team && !caps.team.present) return Capabilities::missing(caps.team);
    if (parent == ParentKind::vlan_on_bond && !caps.vlan_8021q.present) return Capabilities::missing(caps.vlan_8021q);
    // The switch at the far end of an aggregate, and the bridge parent, are Linux bridges.
    if ((parent == ParentKind::bridge || spec->variant.far_end == FarEnd::switch_bridge) && !caps.bridge.present)
        return Capabilities::missing(caps.bridge);
    if (spec->variant.external == ExternalKind::hairpin_bridge && !caps.bridge.present)
        return Capabilities::missing(caps.bridge);
    if (family == Family::ipv6 && !caps.ipv6.present) return Capabilities::missing(caps.ipv6);
    if (const auto why = wire_source().cannot_attach(spec->variant); !why.empty()) return why;
    const bool nodst = std::any_of(spec->slaves.begin(), spec->slaves.end(), [](const SlaveSpec& s) { return s.nodst; });
    if (nodst && !caps.nodst.present) return Capabilities::missing(caps.nodst);
    const bool macvtap = std::any_of(spec->slaves.begin(), spec->slaves.end(), [](const SlaveSpec& s) { return s.kind == SlaveKind::macvtap; });
    if (macvtap && !caps.macvtap.present) return Capabilities::missing(caps.macvtap);
    return "";
}

std::vector<CellId> SuiteContext::cells_to_run() const {
    return reachability_cells.to_run([this](const CellId& cell) { return skip_reason(cell); });
}

}  // namespace mvc
