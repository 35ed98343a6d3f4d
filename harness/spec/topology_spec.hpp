// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bond_link.hpp"
#include "macvlan_link.hpp"
#include "team_link.hpp"

namespace mvc {

class DeliveryRules;
class JsonFields;

// Every place traffic starts from or goes to has a name: "host" (the parent's own stack), "ext"
// (the far end of the parent's wire), or the name of a slave ("c1", "shim", "c17").
using Endpoint = std::string;
inline const Endpoint kHost = "host";
inline const Endpoint kExt = "ext";

// veth: the parent is one end of a veth pair. vlan: the parent is an 802.1Q sub-interface (VLAN 10)
// of such a veth, with a matching sub-interface as the peer. dummy: a parent with no wire.
// Parents as they are in production (issue 15), each over two veth ports:
//   bond          a bonding device in `bond_mode`
//   team          a team device with runner `team_runner`
//   bridge        a Linux bridge device (the master; a bridge port has the bridge's rx handler and
//                 is refused, macvlan_port_create), its one port cabled to ext
//   vlan_on_bond  VLAN 10 on such a bond, the peer VLAN 10 on ext's side
enum class ParentKind { veth, vlan, dummy, bond, team, bridge, vlan_on_bond };
enum class ExternalKind { none, plain, hairpin_bridge };
std::string_view to_string(ParentKind kind);
std::string_view to_string(ExternalKind kind);

// What an aggregate's ports are cabled to (a documented property of the topology, because the
// bonding mode decides which far end keeps the rules' "plain" meaning: nothing comes back):
//   cable   one veth to ext (every parent that is no aggregate)
//   switch  each port to a port of one Linux bridge in ext, ext's stack on that bridge (the kernel's
//           bond_topo_2d1c.sh). Only for modes that receive floods on one port: the bridge floods
//           a frame the aggregate sent back through its other port, and bond_should_deliver_exact_match
//           (team: ab_receive) keeps frames arriving on an inactive port from the aggregate.
//   peer    port to port to an aggregate of the same mode in ext, ext's stack on it: what
//           balance-rr, balance-xor and 802.3ad need from a switch (a static LAG, or LACP), since
//           every port of theirs receives and a plain switch would return their floods.
enum class FarEnd { cable, switch_bridge, peer };
std::string_view to_string(FarEnd far_end);

struct VariantSpec {
    std::string name;  // "plain", "hairpin", "hairpin-static", "vlan", "dummy"
    ParentKind parent = ParentKind::veth;
    ExternalKind external = ExternalKind::plain;
    bool static_neighbours = false;  // permanent neighbour entries between every two slaves
    std::string description;
    BondMode bond_mode = BondMode::active_backup;  // bond, vlan_on_bond
    TeamRunner team_runner = TeamRunner::activebackup;  // team
    FarEnd far_end = FarEnd::cable;
    bool aggregate() const { return parent == ParentKind::bond || parent == ParentKind::team || parent == ParentKind::vlan_on_bond; }
    // "veth", "bond (balance-alb, ports to a switch)", ...: for reports and explain.
    std::string parent_label() const;
};

// Reads a variant (variant_spec.cpp): a catalog's entry under "variants" names itself and its parent
// (`named`); a user's topology may leave the parent out (a veth pair).
VariantSpec parse_variant(const JsonFields& fields, bool named);

// How a slave is reached: a macvlan netdev in a namespace of its own, or (issue 14) a macvtap
// queue read by a guest.
enum class SlaveKind { macvlan, macvtap };

struct SlaveSpec {
    std::string name;
    MacvlanMode mode = MacvlanMode::bridge;
    bool nodst = false;                  // MACVLAN_FLAG_NODST, source mode only
    SlaveKind kind = SlaveKind::macvlan;
    std::vector<Endpoint> source_allow;  // source mode: whose MACs are on the allow-list
    std::string mode_name() const;       // "bridge", ..., "source+nodst"
};

struct EchoControl {
    Endpoint from;
    Endpoint to;
};

// Which cells a topology has: every ordered pair of endpoints, or only those to and from ext (for
// very large topologies, where every pair would be millions of cells).
enum class CellPairs { all, with_ext };

// The broadcast and multicast matrix of a topology: who sends, and who joins the test groups.
struct BroadcastPlan {
    std::vector<Endpoint> senders;
    std::vector<Endpoint> members;
};

// One topology on one variant: everything needed to build it, probe it and know it is ready.
struct TopologySpec {
    std::string name;  // "bridge" (the shipped per-mode matrices), "mixed.bridge_vepa", "docker-two-networks", ...
    std::string description;
    VariantSpec variant;
    std::vector<SlaveSpec> slaves;
    std::vector<std::pair<Endpoint, Endpoint>> static_pairs;  // each knows the other's MAC by hand, both ways
    std::vector<EchoControl> controls;        // paths that must answer before "blocked" means anything
    std::vector<Endpoint> transmit_controls;  // endpoints whose frames must be seen leaving on the parent
    CellPairs pairs = CellPairs::all;
    std::optional<BroadcastPlan> broadcast;  // this variant also has a broadcast/multicast matrix

    std::vector<Endpoint> endpoints() const;  // host, ext when there is a wire, then the slaves
    bool has(const Endpoint& endpoint) const;
    const SlaveSpec* slave(const Endpoint& endpoint) const;  // nullptr for host and ext
    // A permanent neighbour entry on `holder` for `target`'s addresses.
    bool knows_by_hand(const Endpoint& holder, const Endpoint& target) const;
    // The ordered (from, to) pairs that are cells of this topology.
    std::vector<std::pair<Endpoint, Endpoint>> cell_pairs() const;
    bool uses_mode(MacvlanMode mode) const;
    bool has_passthru() const;
    std::string id() const;  // "vepa.hairpin-static"
};

// The largest topology the loader accepts: every slave is a network namespace of its own.
inline constexpr size_t kMaxSlaves = 4096;

// Reads a topology's slaves, static neighbours and cell pairs from a JSON object (the shipped
// catalog's entries and a user's --topology file share this), refusing what the kernel would
// refuse with the field and the reason. `entry` names the object in messages.
void parse_topology_body(TopologySpec& topology, const nlohmann::json& object, const std::filesystem::path& file,
                         const std::string& entry);

// fixtures/topologies/reachability.json: the variants, and which topologies run on which.
class TopologyCatalog {
public:
    static TopologyCatalog load(const std::filesystem::path& file);  // throws FixtureError
    // A user's topology file (--topology FILE): one topology, its parent and far end given inline.
    static TopologyCatalog load_user_topology(const std::filesystem::path& file);

    const std::vector<TopologySpec>& topologies() const { return topologies_; }
    const TopologySpec* find(std::string_view topology, std::string_view variant) const;
    std::vector<std::string> variant_names() const;
    const std::vector<VariantSpec>& variants() const { return variants_; }
    // Appends another catalog's topologies (a user's file beside the shipped ones).
    void add(const TopologyCatalog& other);
    // Gives every topology that lists no controls the ones the rules derive, and refuses listed
    // controls that are no path the rules say exists (FixtureError naming `file`).
    void derive_controls(const DeliveryRules& rules, const std::filesystem::path& file);

private:
    std::vector<TopologySpec> topologies_;
    std::vector<VariantSpec> variants_;
};

}  // namespace mvc
