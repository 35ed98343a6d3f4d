#include "reachability_suite.hpp"

#include <gtest/gtest.h>

#include "matrix.hpp"
#include "report_collector.hpp"

namespace mvc {

namespace {

// One cell: the probe has already run (all cells of all topologies run together, see
// ReachabilityCampaign); this test compares what was seen with fixtures/expectations.
class ReachabilityCell : public ::testing::Test {
public:
    ReachabilityCell(SuiteContext& context, CellId cell) : context_(context), cell_(std::move(cell)) {}

    void TestBody() override {
        const Expectation& expectation = context_.expectations.at(cell_);
        CellRecord record{std::string(to_string(cell_.mode)), cell_.variant, std::string(to_string(cell_.family)),
                          std::string(to_string(cell_.from)),  std::string(to_string(cell_.to)),
                          std::string(to_string(expectation.expected)), "", expectation.reason};
        context_.collector->attach_cell(cell_.name(), record);

        if (const auto reason = context_.skip_reason(cell_); !reason.empty()) GTEST_SKIP() << reason;
        if (!context_.campaign->started()) context_.campaign->start(context_.cells_to_run());
        const CellObservation seen = context_.campaign->observe(cell_);
        if (!seen.built) FAIL() << "not measured: " << seen.problem;

        record.observed = std::string(to_string(seen.observed));
        context_.collector->attach_cell(cell_.name(), record);
        context_.collector->set_seconds(cell_.name(), seen.seconds);
        judge_cell({record.expected, record.observed, expectation.expected == Reach::blocked, seen.trusted,
                    expectation.reason, seen.problem, "", "saw no reply"});
    }

private:
    SuiteContext& context_;
    CellId cell_;
};

}  // namespace

void register_reachability_suite(SuiteContext& context, const std::vector<CellId>& cells) {
    for (const auto& cell : cells) {
        const TopologySpec* spec = context.catalog.find(cell.mode, cell.variant);
        context.reachability_cells.add(
            cell, *context.collector, context.data_driven_tests,
            {{"suite", "reachability"},
             {"variant_parent", context.lent_parent.empty() ? std::string(to_string(spec->variant.parent))
                                                         : "lent interface " + context.lent_parent},
             {"mode", std::string(to_string(cell.mode))},
             {"variant", cell.variant},
             {"variant_description", spec->variant.description}},
            [&context](const CellId& c) -> ::testing::Test* { return new ReachabilityCell(context, c); });
    }
}

}  // namespace mvc
