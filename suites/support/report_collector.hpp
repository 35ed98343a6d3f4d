// SPDX-License-Identifier: MIT
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "run_report.hpp"

namespace mvc {

// Turns GoogleTest's events into the RunReport the writers read. Tests attach their structured
// facts (a reachability cell's expected and observed values) by name while they run.
class ReportCollector : public ::testing::EmptyTestEventListener {
public:
    explicit ReportCollector(RunReport& report) : report_(report) {}

    void describe_group(const std::string& group, std::vector<Property> properties);
    void attach_cell(const std::string& test, CellRecord cell);
    void set_seconds(const std::string& test, double seconds);

    void OnTestIterationStart(const ::testing::UnitTest& unit, int iteration) override;
    void OnTestEnd(const ::testing::TestInfo& info) override;

private:
    RunReport& report_;
    std::map<std::string, std::vector<Property>> group_properties_;
    std::map<std::string, CellRecord> cells_;
    std::map<std::string, double> seconds_;
    int iteration_ = 0;
};

// The test property a test sets when its silence proves nothing: it is reported as inconclusive.
inline constexpr const char* kInconclusiveProperty = "inconclusive";
// Why the test is inconclusive, when it said so (kInconclusiveProperty).
std::optional<std::string> inconclusive_reason(const ::testing::TestResult& result);
bool has_property(const ::testing::TestResult& result, const char* key);

// The text of a test's failures, or its skip reason, without GoogleTest's "Failed"/"Skipped" lead.
std::string outcome_message(const ::testing::TestResult& result);

}  // namespace mvc
