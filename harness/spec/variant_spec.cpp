// SPDX-License-Identifier: MIT
// The variants: what a topology's parent is and what the far end of its wire does, read from a
// catalog's "variants" or a user's topology file, refused with the field and the reason.
#include "json_fields.hpp"
#include "topology_spec.hpp"

namespace mvc {

std::string_view to_string(ParentKind kind) {
    switch (kind) {
        case ParentKind::veth: return "veth";
        case ParentKind::vlan: return "vlan";
        case ParentKind::dummy: return "dummy";
        case ParentKind::bond: return "bond";
        case ParentKind::team: return "team";
        case ParentKind::bridge: return "bridge";
        case ParentKind::vlan_on_bond: return "vlan-on-bond";
    }
    return "?";
}

std::string_view to_string(FarEnd far_end) {
    switch (far_end) {
        case FarEnd::cable: return "cable";
        case FarEnd::switch_bridge: return "switch";
        case FarEnd::peer: return "peer";
    }
    return "?";
}

std::string VariantSpec::parent_label() const {
    std::string label(to_string(parent));
    if (parent == ParentKind::bond || parent == ParentKind::vlan_on_bond) label += " (" + std::string(to_string(bond_mode));
    if (parent == ParentKind::team) label += " (" + std::string(to_string(team_runner));
    if (aggregate()) label += far_end == FarEnd::switch_bridge ? ", ports to a switch)" : ", ports to a peer aggregate)";
    return label;
}

std::string_view to_string(ExternalKind kind) {
    switch (kind) {
        case ExternalKind::none: return "none";
        case ExternalKind::plain: return "plain";
        case ExternalKind::hairpin_bridge: return "hairpin-bridge";
    }
    return "?";
}

namespace {

// The far end an aggregate's mode needs (see FarEnd): a switch when only one port receives floods.
FarEnd far_end_needed(const VariantSpec& v) {
    if (v.parent == ParentKind::team) return v.team_runner == TeamRunner::activebackup ? FarEnd::switch_bridge : FarEnd::peer;
    switch (v.bond_mode) {
        case BondMode::active_backup:
        case BondMode::balance_tlb:
        case BondMode::balance_alb: return FarEnd::switch_bridge;
        default: return FarEnd::peer;
    }
}

// bond_mode, team_runner and far_end, for the parents that take them.
void parse_aggregate(const JsonFields& f, VariantSpec& v) {
    const bool bonded = v.parent == ParentKind::bond || v.parent == ParentKind::vlan_on_bond;
    if (!bonded && f.has("bond_mode")) f.fail("'bond_mode' applies to parents 'bond' and 'vlan-on-bond' only");
    if (v.parent != ParentKind::team && f.has("team_runner")) f.fail("'team_runner' applies to parent 'team' only");
    if (!v.aggregate()) {
        if (f.has("far_end")) f.fail("'far_end' applies to aggregates (bond, team, vlan-on-bond); this parent has one cable");
        return;
    }
    if (bonded) {
        const auto mode = f.string("bond_mode");
        try {
            v.bond_mode = bond_mode_from_string(mode);
        } catch (const std::invalid_argument&) {
            f.fail("'bond_mode' must be one of active-backup, balance-rr, balance-xor, 802.3ad, balance-tlb, balance-alb, got '" +
                   mode + "'");
        }
        if (v.bond_mode == BondMode::broadcast)
            f.fail("'bond_mode' broadcast sends every frame through every port (bond_xmit_broadcast): ext would get each "
                   "twice, which the delivery rules do not model");
    } else {
        const auto runner = f.string("team_runner");
        try {
            v.team_runner = team_runner_from_string(runner);
        } catch (const std::invalid_argument&) {
            f.fail("'team_runner' must be 'activebackup' or 'roundrobin', got '" + runner + "'");
        }
    }
    const auto far = f.string("far_end");
    if (far == "switch") v.far_end = FarEnd::switch_bridge;
    else if (far == "peer") v.far_end = FarEnd::peer;
    else f.fail("'far_end' must be 'switch' or 'peer', got '" + far + "'");
    const FarEnd needed = far_end_needed(v);
    if (v.far_end != needed)
        f.fail(needed == FarEnd::peer
                   ? "'far_end' must be 'peer' for this mode: every port receives (no inactive port for "
                     "bond_should_deliver_exact_match to drop at), so a plain switch would flood the aggregate's frames back "
                     "through its other port, a reflection the rules call hairpin"
                   : "'far_end' must be 'switch' for this mode: one port is active, and a peer aggregate would keep "
                     "sending to the old one after a failover, where a switch learns the announcements");
}

}  // namespace

// A catalog's variants name their parent; a user's topology may leave it out (a veth pair).
VariantSpec parse_variant(const JsonFields& f, bool named) {
    VariantSpec v;
    if (named) v.name = f.string("name");
    const auto parent = named ? f.string("parent") : f.string_or("parent", "veth");
    if (parent == "veth") v.parent = ParentKind::veth;
    else if (parent == "vlan") v.parent = ParentKind::vlan;
    else if (parent == "dummy") v.parent = ParentKind::dummy;
    else if (parent == "bond") v.parent = ParentKind::bond;
    else if (parent == "team") v.parent = ParentKind::team;
    else if (parent == "bridge") v.parent = ParentKind::bridge;
    else if (parent == "vlan-on-bond") v.parent = ParentKind::vlan_on_bond;
    else f.fail("'parent' must be 'veth', 'vlan', 'dummy', 'bond', 'team', 'bridge' or 'vlan-on-bond', got '" + parent + "'");
    const auto external = f.string_or("external", v.parent == ParentKind::dummy ? "none" : "");
    if (external == "none") v.external = ExternalKind::none;
    else if (external == "plain") v.external = ExternalKind::plain;
    else if (external == "hairpin-bridge") v.external = ExternalKind::hairpin_bridge;
    else f.fail("'external' must be 'none', 'plain' or 'hairpin-bridge', got '" + external + "'");
    if (v.parent == ParentKind::dummy && v.external != ExternalKind::none)
        f.fail("a dummy parent has no wire, so 'external' must be 'none'");
    if (v.parent != ParentKind::dummy && v.external == ExternalKind::none)
        f.fail("a " + parent + " parent has a wire, so 'external' must be 'plain' or 'hairpin-bridge'");
    if (v.parent != ParentKind::veth && v.parent != ParentKind::dummy && v.external == ExternalKind::hairpin_bridge)
        f.fail("the " + parent + " parent supports only a plain peer");
    parse_aggregate(f, v);
    v.description = f.string_or("description", "");
    return v;
}

}  // namespace mvc
