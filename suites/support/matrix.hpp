// SPDX-License-Identifier: MIT
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <set>

#include "report_collector.hpp"
#include "run_report.hpp"

namespace mvc {

// Calls `visit` with the full name ("Suite.Test") and the TestInfo of every registered test, in
// registration order.
void for_each_registered_test(const std::function<void(const std::string&, const ::testing::TestInfo&)>& visit);
// Full names of the tests GoogleTest runs in this iteration, after its filter.
std::vector<std::string> names_of_tests_to_run();

// The cells of one matrix (reachability, broadcast, and those to come) as GoogleTest tests: one
// test per cell, named like the cell, its suite the cell's group, whose properties the reports show.
// Cells are registered only when the selection keeps them.
template <typename Cell>
class MatrixRegistry {
public:
    using MakeTest = std::function<::testing::Test*(const Cell&)>;

    // `registered` collects the names of every data-driven test of the run, across matrices.
    void add(const Cell& cell, ReportCollector& collector, std::set<std::string>& registered,
             std::vector<Property> group_properties, MakeTest make_test) {
        const std::string name = cell.name();
        const std::string group = cell.group();
        by_name_.emplace(name, cell);
        registered.insert(name);
        collector.describe_group(group, std::move(group_properties));
        ::testing::RegisterTest(group.c_str(), name.substr(group.size() + 1).c_str(), nullptr, nullptr, __FILE__, __LINE__,
                                [make_test = std::move(make_test), cell]() { return make_test(cell); });
    }

    bool empty() const { return by_name_.empty(); }
    const Cell* find(const std::string& name) const {
        auto it = by_name_.find(name);
        return it == by_name_.end() ? nullptr : &it->second;
    }

    // The registered cells GoogleTest runs in this iteration (after its own filter) that this
    // machine can run: skip_reason(cell) is empty.
    std::vector<Cell> to_run(const std::function<std::string(const Cell&)>& skip_reason) const {
        std::vector<Cell> out;
        for (const auto& name : names_of_tests_to_run())
            if (const Cell* cell = find(name); cell && skip_reason(*cell).empty()) out.push_back(*cell);
        return out;
    }

private:
    std::map<std::string, Cell> by_name_;
};

// What a matrix cell's test knows when it judges the cell.
struct CellJudgement {
    std::string expected, observed;
    bool expected_is_silence = false;  // the expected value is "nothing arrived" (blocked, not delivered)
    bool trusted = false;              // the topology answered its controls before and after
    std::string reason;                // why the expected value, with the kernel function
    std::string problem;               // why the topology is not trusted
    std::string seen;                  // what was counted, when there is more to say than the verdict
    std::string silence;               // how silence reads in the message: "saw no reply"
    std::string timing{};              // for an observed silence: how long it was waited for, and why that long
    bool observed_is_silence = false;  // nothing arrived (blocked, not delivered)
};

// The one rule every matrix cell is judged by: observed must equal expected, and a silence only
// counts when the same topology proved it carried traffic, before and after. A silence that proves
// nothing (the controls, or the cell's own frames, were lost) is neither a pass nor a failure: the
// cell is inconclusive (kInconclusiveProperty), with the reason. A reply is never doubted: no loss
// can make a path that does not exist answer.
void judge_cell(const CellJudgement& cell);

// Calls `start` when every --repeat iteration begins and `end` when it ends: each measures afresh.
class EachIteration : public ::testing::EmptyTestEventListener {
public:
    EachIteration(std::function<void()> start, std::function<void()> end) : start_(std::move(start)), end_(std::move(end)) {}
    void OnTestIterationStart(const ::testing::UnitTest&, int) override {
        if (start_) start_();
    }
    void OnTestIterationEnd(const ::testing::UnitTest&, int) override {
        if (end_) end_();
    }

private:
    std::function<void()> start_, end_;
};

}  // namespace mvc
