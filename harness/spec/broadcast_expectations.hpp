#pragma once

#include <compare>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "frame_kind.hpp"
#include "topology_spec.hpp"

namespace mvc {

enum class Delivery { delivered, not_delivered };
std::string_view to_string(Delivery delivery);  // "delivered" / "not delivered", as the fixture spells them

// One broadcast cell: mode × variant × frame × (sender, receiver). The receiver may be the sender
// itself: whether a station gets its own frame back is part of what a mode decides.
struct BroadcastCellId {
    MacvlanMode mode = MacvlanMode::bridge;
    std::string variant;
    FrameKind frame = FrameKind::broadcast;
    Endpoint from = Endpoint::c1;
    Endpoint to = Endpoint::host;

    // "broadcast.vepa.hairpin.broadcast.from_c1.to_c2" ('-' in a variant becomes '_').
    std::string name() const;
    std::string group() const;  // "broadcast.vepa.hairpin"
    std::string topology_id() const;
    auto operator<=>(const BroadcastCellId&) const = default;
};

struct BroadcastExpectation {
    Delivery expected = Delivery::delivered;
    std::string reason;  // one line, naming the drivers/net/macvlan.c function it rests on
};

// fixtures/expectations/broadcast.json, validated against the topology catalog. The file says
// which variants and senders it covers and which endpoints join the test multicast groups; every
// cell of every covered topology must then be present exactly once, with a reason.
class BroadcastExpectationSet {
public:
    static BroadcastExpectationSet load(const std::filesystem::path& file, const TopologyCatalog& catalog);

    const BroadcastExpectation& at(const BroadcastCellId& cell) const;
    const std::map<BroadcastCellId, BroadcastExpectation>& cells() const { return cells_; }
    const std::vector<std::string>& variants() const { return variants_; }
    const std::vector<Endpoint>& senders() const { return senders_; }
    const std::vector<Endpoint>& group_members() const { return group_members_; }
    const std::filesystem::path& file() const { return file_; }

private:
    std::filesystem::path file_;
    std::vector<std::string> variants_;
    std::vector<Endpoint> senders_;
    std::vector<Endpoint> group_members_;
    std::map<BroadcastCellId, BroadcastExpectation> cells_;
};

}  // namespace mvc
