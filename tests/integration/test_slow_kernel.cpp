// SPDX-License-Identifier: MIT
// A slow kernel must not turn a reachable cell into a blocked one. Under Debian's PREEMPT_RT
// kernel neighbour resolution once took longer than the fixed 300 ms quiet window, and truly
// reachable cells were reported blocked. This makes every path that crosses the parent's wire
// slower than that window on purpose, deterministically (--inject-fault delay:MS: a relay
// namespace holds every frame on the cable for MS), and checks that the windows stretch with the
// pacers instead: no cell may change its verdict. With --fixed-quiet-window the same run gives
// wrong verdicts by the hundred, which shows the test can fail. Needs root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "conformance_process.hpp"
#include "fixture_files.hpp"

namespace mvc {
namespace {

using testing_support::run_conformance;
using testing_support::TempFile;

struct Verdicts {
    int measured = 0, wrong = 0;
    double slowest_pacer_ms = 0, longest_window_ms = 0;
    std::string wrong_cells;
};

Verdicts verdicts_of(const nlohmann::json& report) {
    Verdicts v;
    for (const auto& c : report["cells"]) {
        if (c["observed"].is_null()) continue;
        ++v.measured;
        if (c.contains("slowest_pacer_ms")) v.slowest_pacer_ms = std::max(v.slowest_pacer_ms, c["slowest_pacer_ms"].get<double>());
        if (c.contains("window_ms")) v.longest_window_ms = std::max(v.longest_window_ms, c["window_ms"].get<double>());
        if (c["observed"] != c["expected"]) {
            ++v.wrong;
            if (v.wrong <= 10)
                v.wrong_cells += "\n  " + c["name"].get<std::string>() + ": expected " + c["expected"].get<std::string>() +
                                 ", observed " + c["observed"].get<std::string>();
        }
    }
    return v;
}

class SlowKernel : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: the suite builds network namespaces and links";
    }
    // 100 ms per crossing: a cell across the wire needs four (ARP/ND request and reply, echo
    // request and reply), so 400 ms, beyond the default window of 300 ms.
    static Verdicts run_with_slow_cable(std::initializer_list<std::string> extra) {
        TempFile json("slow.json");
        std::vector<std::string> args{"--filter", "reachability.*", "--inject-fault", "delay:100", "--json", json.path().string()};
        args.insert(args.end(), extra);
        const auto r = run_conformance(args);
        EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.out << r.err;
        return verdicts_of(testing_support::read(json.path()));
    }
};

TEST_F(SlowKernel, PathsSlowerThanTheWindowKeepTheirVerdicts) {
    const auto v = run_with_slow_cable({});
    EXPECT_GT(v.measured, 200);
    EXPECT_GT(v.slowest_pacer_ms, 300) << "the cable did not slow the paths beyond the default window: the test proves nothing";
    EXPECT_GT(v.longest_window_ms, v.slowest_pacer_ms) << "the window did not stretch";
    EXPECT_EQ(v.wrong, 0) << "cells that changed their verdict on a slow cable:" << v.wrong_cells;
}

// The same run with the old fixed window: proof that the test above can fail.
TEST_F(SlowKernel, TheFixedWindowWouldCallReachableCellsBlocked) {
    const auto v = run_with_slow_cable({"--fixed-quiet-window"});
    EXPECT_GT(v.measured, 200);
    EXPECT_GT(v.wrong, 0) << "with a fixed 300 ms window, paths of 400 ms must look blocked";
}

}  // namespace
}  // namespace mvc
