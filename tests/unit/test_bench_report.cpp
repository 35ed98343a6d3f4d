// SPDX-License-Identifier: MIT
// The bench's summary: ratios are paired by round, verdicts only where every round agrees and there
// are enough rounds, and the writers carry every path x metric.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bench_report.hpp"

namespace mvc {
namespace {

BenchReport report_with(std::vector<double> baseline, std::vector<double> path, bool higher_is_better = true) {
    BenchReport r;
    r.repetitions = static_cast<unsigned>(baseline.size());
    r.duration_ms = 100;
    r.metrics = {{"m", "metric", "u", higher_is_better}};
    r.paths.push_back({"veth-bridge", "baseline", "", false, "", "", {baseline}});
    r.paths.push_back({"macvlan-bridge", "macvlan", "", false, "", "", {path}});
    r.paths.push_back({"ipvlan-l2", "ipvlan", "", false, "kernel has no ipvlan", "", {{}}});
    return r;
}

TEST(BenchSummary, RatiosArePairedByRoundNotByMedian) {
    // The machine got slower between rounds: each round the path is 10% above the baseline, though
    // its values overlap the baseline's range.
    const auto r = report_with({10, 20, 30, 40, 50}, {11, 22, 33, 44, 55});
    const BenchCell c = summarise(r, r.paths[1], 0);
    ASSERT_TRUE(c.has_ratio);
    EXPECT_DOUBLE_EQ(c.ratio_median, 1.1);
    EXPECT_DOUBLE_EQ(c.ratio_min, 1.1);
    EXPECT_EQ(c.verdict, "faster");
    EXPECT_DOUBLE_EQ(c.median, 33);
    EXPECT_DOUBLE_EQ(c.min, 11);
    EXPECT_DOUBLE_EQ(c.max, 55);
}

TEST(BenchSummary, OneRoundOnTheOtherSideMeansNoVerdict) {
    const auto r = report_with({10, 10, 10, 10, 10}, {12, 12, 9, 12, 12});
    EXPECT_EQ(summarise(r, r.paths[1], 0).verdict, "no difference measurable on this machine");
}

TEST(BenchSummary, LowerIsBetterTurnsTheVerdictAround) {
    const auto r = report_with({10, 10, 10, 10, 10}, {12, 13, 12, 14, 12}, false);
    EXPECT_EQ(summarise(r, r.paths[1], 0).verdict, "slower");
    const auto q = report_with({10, 10, 10, 10, 10}, {8, 9, 8, 9, 8}, false);
    EXPECT_EQ(summarise(q, q.paths[1], 0).verdict, "faster");
}

TEST(BenchSummary, FewerRoundsThanTheSignTestNeedsGiveNoVerdict) {
    const auto r = report_with({10, 10, 10}, {20, 20, 20});
    const BenchCell c = summarise(r, r.paths[1], 0);
    EXPECT_DOUBLE_EQ(c.ratio_median, 2);
    EXPECT_NE(c.verdict.find("too few rounds"), std::string::npos) << c.verdict;
}

TEST(BenchSummary, TheBaselineAndSkippedPathsHaveNoRatio) {
    const auto r = report_with({10, 10, 10, 10, 10}, {12, 12, 12, 12, 12});
    EXPECT_EQ(summarise(r, r.paths[0], 0).verdict, "baseline");
    EXPECT_FALSE(summarise(r, r.paths[0], 0).has_ratio);
    EXPECT_FALSE(summarise(r, r.paths[2], 0).measured);
}

TEST(BenchWriters, JsonHasEveryMeasuredPathWithMedianSpreadAndRatio) {
    const auto r = report_with({10, 10, 10, 10, 10}, {12, 12, 12, 12, 12});
    const auto doc = nlohmann::json::parse(bench_json(r));
    EXPECT_EQ(doc["format"], "macvlan-conformance/bench/1");
    ASSERT_EQ(doc["paths"].size(), 3u);
    const auto& m = doc["paths"][1]["results"]["m"];
    EXPECT_DOUBLE_EQ(m["median"].get<double>(), 12);
    EXPECT_DOUBLE_EQ(m["spread"]["min"].get<double>(), 12);
    EXPECT_DOUBLE_EQ(m["ratio"]["median"].get<double>(), 1.2);
    EXPECT_EQ(m["verdict"], "faster");
    EXPECT_TRUE(doc["paths"][0]["results"]["m"]["ratio"].is_null());
    EXPECT_EQ(doc["paths"][2]["skipped"], "kernel has no ipvlan");
    EXPECT_TRUE(doc["paths"][2]["results"].empty());
}

TEST(BenchWriters, HtmlIsSelfContainedWithOneChartPerMetric) {
    auto r = report_with({10, 10, 10, 10, 10}, {12, 12, 12, 12, 12});
    r.paths[1].title = "<macvlan & co>";
    const std::string html = bench_html(r);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("src="), std::string::npos);
    EXPECT_EQ(html.find("<link"), std::string::npos);
    EXPECT_NE(html.find("&lt;macvlan &amp; co&gt;"), std::string::npos);
    EXPECT_EQ(html.find("<macvlan & co>"), std::string::npos);
    size_t charts = 0;
    for (auto at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++charts;
    EXPECT_EQ(charts, r.metrics.size());
}

TEST(BenchWriters, TextNamesTheSkipReasonAndTheRelay) {
    auto r = report_with({10, 10, 10, 10, 10}, {12, 12, 12, 12, 12});
    r.paths[1].user_space_relay = true;
    const std::string text = bench_text(r);
    EXPECT_NE(text.find("skipped: kernel has no ipvlan"), std::string::npos);
    EXPECT_NE(text.find("user-space relay"), std::string::npos);
    EXPECT_NE(text.find("faster"), std::string::npos);
}

}  // namespace
}  // namespace mvc
