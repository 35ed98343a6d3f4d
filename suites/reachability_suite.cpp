// SPDX-License-Identifier: MIT
#include "reachability_suite.hpp"

#include <gtest/gtest.h>

#include "matrix.hpp"
#include "report_collector.hpp"

namespace mvc {

namespace {

// The slaves' mode when they all share one ("source+nodst" counts as its own), else "mixed".
std::string common_mode(const TopologySpec& t) {
    for (const auto& s : t.slaves)
        if (s.mode_name() != t.slaves.front().mode_name()) return "mixed";
    return t.slaves.front().mode_name();
}

std::optional<std::string> mode_of(const TopologySpec& t, const Endpoint& e) {
    const SlaveSpec* s = t.slave(e);
    return s ? std::optional<std::string>(s->mode_name()) : std::nullopt;
}

std::optional<std::string> kind_of(const TopologySpec& t, const Endpoint& e) {
    const SlaveSpec* s = t.slave(e);
    if (!s) return std::nullopt;
    return std::string(s->kind == SlaveKind::macvtap ? "macvtap" : "macvlan");
}

// One cell: the probe has already run (all cells of all topologies run together, see
// ReachabilityCampaign); this test compares what was seen with fixtures/expectations.
class ReachabilityCell : public ::testing::Test {
public:
    ReachabilityCell(SuiteContext& context, CellId cell) : context_(context), cell_(std::move(cell)) {}

    void TestBody() override {
        const Expectation& expectation = context_.expectations.at(cell_);
        const TopologySpec& topology = *context_.catalog.find(cell_.topology, cell_.variant);
        CellRecord record{common_mode(topology), cell_.variant, std::string(to_string(cell_.family)), cell_.from, cell_.to,
                          std::string(to_string(expectation.expected)), "", expectation.reason};
        record.topology = topology.name;
        record.from_mode = mode_of(topology, cell_.from);
        record.to_mode = mode_of(topology, cell_.to);
        record.from_kind = kind_of(topology, cell_.from);
        record.to_kind = kind_of(topology, cell_.to);
        context_.collector->attach_cell(cell_.name(), record);

        if (const auto reason = context_.skip_reason(cell_); !reason.empty()) GTEST_SKIP() << reason;
        if (!context_.campaign->started()) context_.campaign->start(context_.cells_to_run());
        const CellObservation seen = context_.campaign->observe(cell_);
        if (!seen.built) FAIL() << "not measured: " << seen.problem;

        record.observed = std::string(to_string(seen.observed));
        std::string timing;
        if (seen.observed == Reach::blocked) {
            record.window_ms = seen.window_ms;
            if (seen.slowest_pacer_ms > 0) record.slowest_pacer_ms = seen.slowest_pacer_ms;
            timing = "no reply within " + std::to_string(static_cast<int>(seen.window_ms)) + " ms" +
                     (seen.slowest_pacer_ms > 0 ? "; the slowest pacer (a control path probed beside the cells) answered after " +
                                                      std::to_string(static_cast<int>(seen.slowest_pacer_ms)) + " ms"
                                                : "; no pacer: this topology has no echo path to measure the kernel's speed by");
        }
        context_.collector->attach_cell(cell_.name(), record);
        context_.collector->set_seconds(cell_.name(), seen.seconds);
        judge_cell({record.expected, record.observed, expectation.expected == Reach::blocked, seen.trusted,
                    expectation.reason, seen.problem, "", "saw no reply", timing, seen.observed == Reach::blocked});
    }

private:
    SuiteContext& context_;
    CellId cell_;
};

}  // namespace

void register_reachability_suite(SuiteContext& context, const std::vector<CellId>& cells) {
    for (const auto& cell : cells) {
        const TopologySpec* spec = context.catalog.find(cell.topology, cell.variant);
        context.reachability_cells.add(
            cell, *context.collector, context.data_driven_tests,
            {{property_names::kSuite, "reachability"},
             {property_names::kTopology, spec->name},
             {property_names::kVariantParent, context.lent_parent.empty() ? spec->variant.parent_label()
                                                         : "lent interface " + context.lent_parent},
             {property_names::kMode, common_mode(*spec)},
             {property_names::kVariant, cell.variant},
             {property_names::kVariantDescription, spec->variant.description}},
            [&context](const CellId& c) -> ::testing::Test* { return new ReachabilityCell(context, c); });
    }
}

}  // namespace mvc
