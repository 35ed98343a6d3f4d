// SPDX-License-Identifier: MIT
#include "broadcast_expectations.hpp"

#include <algorithm>
#include <stdexcept>

#include "expectations.hpp"
#include "reachability_model.hpp"

namespace mvc {

std::string_view to_string(Delivery delivery) { return delivery == Delivery::delivered ? "delivered" : "not delivered"; }

std::string BroadcastCellId::group() const { return "broadcast." + name_safe(topology) + "." + name_safe(variant); }

std::string BroadcastCellId::name() const {
    return group() + "." + std::string(to_string(frame)) + ".from_" + from + ".to_" + to;
}

std::string BroadcastCellId::topology_id() const { return topology + "." + variant; }

const BroadcastExpectation& BroadcastExpectationSet::at(const BroadcastCellId& cell) const {
    auto it = cells_.find(cell);
    if (it == cells_.end()) throw std::out_of_range("no expectation for " + cell.name());
    return it->second;
}

BroadcastExpectationSet BroadcastExpectationSet::derive(const TopologyCatalog& catalog, const DeliveryRules& rules) {
    BroadcastExpectationSet set;
    for (const auto& t : catalog.topologies()) {
        if (!t.broadcast) continue;
        const ReachabilityModel model(rules, t);
        for (auto frame : kAllFrameKinds)
            for (const auto& from : t.broadcast->senders)
                for (const auto& to : t.endpoints()) {
                    const bool member = frame == FrameKind::broadcast ||
                                        std::find(t.broadcast->members.begin(), t.broadcast->members.end(), to) !=
                                            t.broadcast->members.end();
                    const auto v = model.deliver(FrameClass::group, from, to, member);
                    std::string chain, why;
                    for (const auto& r : v.rules) chain += (chain.empty() ? "" : " > ") + r;
                    const auto* rule = rules.find(v.rules.back());
                    why = rule ? rule->reason : rules.reason(v.rules.back());
                    set.cells_[{t.name, t.variant.name, frame, from, to}] = {v.delivered ? Delivery::delivered : Delivery::not_delivered,
                                                                               why + " [" + chain + "]"};
                }
    }
    return set;
}

}  // namespace mvc
