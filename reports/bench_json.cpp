// SPDX-License-Identifier: MIT
#include <nlohmann/json.hpp>

#include "bench_report.hpp"

namespace mvc {

std::string bench_json(const BenchReport& report) {
    using nlohmann::json;
    const auto& env = report.environment;
    json doc = {
        {"format", "macvlan-conformance/bench/1"},
        {"tool_version", report.tool_version},
        {"environment",
         {{"kernel", env.kernel},
          {"hostname", env.hostname},
          {"cpus", env.cpus},
          {"load_average_start", env.load_before},
          {"load_average_end", env.load_after},
          {"nice", env.nice},
          {"started_utc", env.started_utc}}},
        {"repetitions", report.repetitions},
        {"duration_ms", report.duration_ms},
        {"quick", report.quick},
        {"wall_seconds", report.wall_seconds},
        {"baseline", report.baseline},
        {"rounds_for_verdict", kRoundsForVerdict},
    };
    json metrics = json::array();
    for (const auto& m : report.metrics)
        metrics.push_back({{"id", m.id}, {"title", m.title}, {"unit", m.unit}, {"higher_is_better", m.higher_is_better}});
    doc["metrics"] = metrics;
    json paths = json::array();
    for (const auto& p : report.paths) {
        json path = {{"id", p.id},
                     {"title", p.title},
                     {"description", p.description},
                     {"user_space_relay", p.user_space_relay},
                     {"skipped", p.skipped.empty() ? json(nullptr) : json(p.skipped)},
                     {"failed", p.failed.empty() ? json(nullptr) : json(p.failed)}};
        json results = json::object();
        for (std::size_t m = 0; m < report.metrics.size(); ++m) {
            const BenchCell c = summarise(report, p, m);
            if (!c.measured) continue;
            results[report.metrics[m].id] = {
                {"median", c.median},
                {"spread", {{"min", c.min}, {"max", c.max}}},
                {"rounds", c.rounds},
                {"samples", p.samples[m]},
                {"ratio", c.has_ratio ? json{{"median", c.ratio_median}, {"min", c.ratio_min}, {"max", c.ratio_max}} : json(nullptr)},
                {"verdict", c.verdict},
            };
        }
        path["results"] = results;
        paths.push_back(path);
    }
    doc["paths"] = paths;
    return doc.dump(2) + "\n";
}

}  // namespace mvc
