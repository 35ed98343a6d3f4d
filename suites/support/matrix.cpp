// SPDX-License-Identifier: MIT
#include "matrix.hpp"

namespace mvc {

void for_each_registered_test(const std::function<void(const std::string&, const ::testing::TestInfo&)>& visit) {
    const auto* unit = ::testing::UnitTest::GetInstance();
    for (int i = 0; i < unit->total_test_suite_count(); ++i) {
        const auto* suite = unit->GetTestSuite(i);
        for (int j = 0; j < suite->total_test_count(); ++j) {
            const auto* info = suite->GetTestInfo(j);
            visit(std::string(info->test_suite_name()) + "." + info->name(), *info);
        }
    }
}

std::vector<std::string> names_of_tests_to_run() {
    std::vector<std::string> out;
    for_each_registered_test([&](const std::string& name, const ::testing::TestInfo& info) {
        if (info.should_run()) out.push_back(name);
    });
    return out;
}

void judge_cell(const CellJudgement& c) {
    if (c.observed_is_silence && !c.trusted) {
        // Never "blocked" for a path that exists, nor a pass for one that does not: the silence
        // says nothing, whatever was expected. Still a failure to GoogleTest, so that the run's
        // exit status is not a pass.
        ::testing::Test::RecordProperty(kInconclusiveProperty, c.problem);
        ADD_FAILURE() << "inconclusive: " << c.silence << ", but that proves nothing: " << c.problem
                      << "\n  expected " << c.expected << " because: " << c.reason
                      << (c.timing.empty() ? "" : "\n  timing: " + c.timing);
    } else if (c.observed != c.expected) {
        ADD_FAILURE() << "expected " << c.expected << ", observed " << c.observed
                      << (c.seen.empty() ? "" : "\n  seen: " + c.seen) << "\n  expected because: " << c.reason
                      << (c.timing.empty() ? "" : "\n  timing: " + c.timing) << (c.trusted ? "" : "\n  note: " + c.problem);
    }
}

}  // namespace mvc
