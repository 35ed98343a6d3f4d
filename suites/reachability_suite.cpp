#include "reachability_suite.hpp"

#include <gtest/gtest.h>

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

        if (seen.observed != expectation.expected) {
            FAIL() << "expected " << to_string(expectation.expected) << ", observed " << to_string(seen.observed)
                   << "\n  expected because: " << expectation.reason
                   << (seen.trusted ? "" : "\n  note: " + seen.problem);
        } else if (expectation.expected == Reach::blocked && !seen.trusted) {
            // No reply is only evidence of isolation when the same topology answered its controls.
            FAIL() << "expected blocked and saw no reply, but that proves nothing: " << seen.problem;
        }
    }

private:
    SuiteContext& context_;
    CellId cell_;
};

}  // namespace

void register_reachability_suite(SuiteContext& context, const std::vector<CellId>& cells) {
    for (const auto& cell : cells) {
        const std::string name = cell.name();
        const std::string group = cell.group();
        const std::string test = name.substr(group.size() + 1);
        const TopologySpec* spec = context.catalog.find(cell.mode, cell.variant);
        context.cells_by_name.emplace(name, cell);
        context.data_driven_tests.insert(name);
        context.collector->describe_group(group, {{"suite", "reachability"},
                                                  {"parent_kind", context.lent_parent.empty() ? std::string(to_string(spec->variant.parent))
                                                                                              : "lent interface " + context.lent_parent},
                                                  {"mode", std::string(to_string(cell.mode))},
                                                  {"variant", cell.variant},
                                                  {"variant_description", spec->variant.description}});
        ::testing::RegisterTest(group.c_str(), test.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                                [&context, cell]() -> ::testing::Test* { return new ReachabilityCell(context, cell); });
    }
}

}  // namespace mvc
