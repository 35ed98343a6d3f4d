// SPDX-License-Identifier: MIT
#pragma once

#include <compare>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "delivery_rules.hpp"
#include "frame_kind.hpp"
#include "topology_spec.hpp"

namespace mvc {

enum class Delivery { delivered, not_delivered };
std::string_view to_string(Delivery delivery);  // "delivered" / "not delivered"

// One broadcast cell: topology × variant × frame × (sender, receiver). The receiver may be the
// sender itself: whether a station gets its own frame back is part of what a mode decides.
struct BroadcastCellId {
    std::string topology;
    std::string variant;
    FrameKind frame = FrameKind::broadcast;
    Endpoint from = kExt;
    Endpoint to = kHost;

    // "broadcast.vepa.hairpin.broadcast.from_c1.to_c2" ('-' becomes '_').
    std::string name() const;
    std::string group() const;  // "broadcast.vepa.hairpin"
    std::string topology_id() const;
    auto operator<=>(const BroadcastCellId&) const = default;
};

struct BroadcastExpectation {
    Delivery expected = Delivery::delivered;
    std::string reason;
};

// The broadcast and multicast matrices: for every topology with a broadcast plan, who receives a
// broadcast and a multicast to groups only the plan's members joined, from each of its senders,
// derived from the same delivery rules as reachability (with the multicast filter override for the
// receivers that did not join). Exactly one copy is expected wherever one is expected at all.
class BroadcastExpectationSet {
public:
    static BroadcastExpectationSet derive(const TopologyCatalog& catalog, const DeliveryRules& rules);

    const BroadcastExpectation& at(const BroadcastCellId& cell) const;
    const std::map<BroadcastCellId, BroadcastExpectation>& cells() const { return cells_; }

private:
    std::map<BroadcastCellId, BroadcastExpectation> cells_;
};

}  // namespace mvc
