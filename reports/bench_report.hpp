// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mvc {

// What `macvlan-conformance bench` measured, as plain data: the writers (console table, JSON,
// HTML with SVG plots) read only this and know nothing of namespaces or sockets.
//
// The paths are measured in rounds: in each round every workload runs on every path, one after the
// other (A B C ... A B C ...), so a path and the baseline are always compared within seconds of each
// other. A ratio is therefore taken per round (path / baseline in the same round) and summarised
// over the rounds; absolute numbers from different rounds are never divided by each other.
struct BenchMetric {
    std::string id;     // "tcp_bulk_gbps", ...
    std::string title;  // "TCP bulk throughput"
    std::string unit;   // "Gbit/s"
    bool higher_is_better = true;
};

struct BenchPath {
    std::string id;           // "macvlan-bridge", ...
    std::string title;        // "macvlan bridge: container <-> container"
    std::string description;  // how the traffic travels
    bool user_space_relay = false;
    std::string skipped;      // why it was not measured ("" when it was)
    std::string failed;       // why its measurement broke off ("" when it did not)
    // samples[metric][round]: one value per completed round, in the metrics' order.
    std::vector<std::vector<double>> samples;
};

struct BenchEnvironment {
    std::string kernel;       // uname -r
    std::string hostname;
    unsigned cpus = 0;        // online
    double load_before = 0;   // 1-minute load average when the run started, and when it ended
    double load_after = 0;
    int nice = 0;             // the process's own
    std::string started_utc;  // ISO 8601
};

struct BenchReport {
    std::string tool_version;
    BenchEnvironment environment;
    unsigned repetitions = 0;        // rounds asked for
    unsigned duration_ms = 0;        // per measurement
    bool quick = false;
    double wall_seconds = 0;
    std::string baseline = "veth-bridge";
    std::vector<BenchMetric> metrics;
    std::vector<BenchPath> paths;

    const BenchPath* find_path(const std::string& id) const;
};

// The least number of rounds for a verdict: with n rounds all on one side of the baseline by chance
// alone the chance is 2 * 0.5^n (a sign test), 6% for 5 rounds, 1.6% for 7.
inline constexpr unsigned kRoundsForVerdict = 5;

// One path x metric, summarised over the rounds.
struct BenchCell {
    bool measured = false;
    unsigned rounds = 0;
    double median = 0, min = 0, max = 0;  // of the values
    // Per round, the path's value divided by the baseline's in the same round (absent for the
    // baseline itself and when the baseline has no value in that round).
    bool has_ratio = false;
    double ratio_median = 0, ratio_min = 0, ratio_max = 0;
    // "faster" / "slower" (in the metric's good direction) when every round's ratio lies on the
    // same side of 1 and there are kRoundsForVerdict rounds or more; otherwise "no difference
    // measurable on this machine", or why there is no verdict ("baseline", "too few rounds").
    std::string verdict;
};

BenchCell summarise(const BenchReport& report, const BenchPath& path, std::size_t metric);
double median_of(std::vector<double> values);  // of a non-empty list

// The writers. Text is the console table; JSON has every path x metric with median, spread
// (min, max), ratio and verdict; HTML is one self-contained page with an SVG bar chart per metric.
std::string bench_text(const BenchReport& report);
std::string bench_json(const BenchReport& report);
std::string bench_html(const BenchReport& report);

}  // namespace mvc
