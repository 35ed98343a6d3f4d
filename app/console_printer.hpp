// SPDX-License-Identifier: MIT
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <ostream>
#include <string>

namespace mvc {

// What a person or a CI log sees while the suite runs. On a terminal: one live progress line
// (done/total, failures so far, elapsed time) with failures printed above it as they happen.
// Elsewhere: plain lines, one per finished test suite, plus the failures. Skips are summarised by
// reason at the end instead of being repeated per test.
class ConsolePrinter : public ::testing::EmptyTestEventListener {
public:
    ConsolePrinter(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}

    void OnTestIterationStart(const ::testing::UnitTest& unit, int iteration) override;
    void OnTestEnd(const ::testing::TestInfo& info) override;
    void OnTestSuiteEnd(const ::testing::TestSuite& suite) override;
    void OnTestIterationEnd(const ::testing::UnitTest& unit, int iteration) override;

private:
    void draw_progress();
    void clear_progress();

    std::ostream& out_;
    bool terminal_;
    int total_ = 0, done_ = 0, failed_ = 0;
    std::map<std::string, int> inconclusive_;  // per test suite, counted among GoogleTest's failures
    std::chrono::steady_clock::time_point started_;
    std::map<std::string, int> skip_reasons_;
};

}  // namespace mvc
