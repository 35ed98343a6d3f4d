// SPDX-License-Identifier: MIT
#include "json_report.hpp"
#include "report_file.hpp"
#include "stability.hpp"

#include <fstream>
#include <stdexcept>

namespace mvc {

nlohmann::json json_report(const RunReport& report) {
    nlohmann::json properties = nlohmann::json::object();
    for (const auto& p : report.properties) properties[p.name] = p.value;
    const Counts c = report.counts();
    nlohmann::json cells = nlohmann::json::array();
    nlohmann::json tests = nlohmann::json::array();
    for (const auto& t : report.tests) {
        tests.push_back({{"name", t.name},
                         {"group", t.group},
                         {"verdict", to_string(t.verdict)},
                         {"message", t.message},
                         {"seconds", t.seconds}});
        if (!t.cell) continue;
        const auto& cell = *t.cell;
        nlohmann::json j = {{"name", t.name},         {"mode", cell.mode},         {"variant", cell.variant},
                            {"family", cell.family},   {"from", cell.from},         {"to", cell.to},
                            {"expected", cell.expected}, {"verdict", to_string(t.verdict)}};
        j["observed"] = cell.observed.empty() ? nlohmann::json(nullptr) : nlohmann::json(cell.observed);
        j["topology"] = cell.topology.empty() ? nlohmann::json(cell.mode) : nlohmann::json(cell.topology);
        j["from_mode"] = cell.from_mode ? nlohmann::json(*cell.from_mode) : nlohmann::json(nullptr);
        j["to_mode"] = cell.to_mode ? nlohmann::json(*cell.to_mode) : nlohmann::json(nullptr);
        j["from_kind"] = cell.from_kind ? nlohmann::json(*cell.from_kind) : nlohmann::json(nullptr);
        j["to_kind"] = cell.to_kind ? nlohmann::json(*cell.to_kind) : nlohmann::json(nullptr);
        if (cell.window_ms) j["window_ms"] = *cell.window_ms;
        if (cell.slowest_pacer_ms) j["slowest_pacer_ms"] = *cell.slowest_pacer_ms;
        // A skipped cell's reason is why it was skipped; otherwise it is the expectation's reason,
        // followed by what went wrong when the cell failed.
        j["reason"] = t.verdict == Verdict::skip ? t.message : cell.reason;
        if (t.verdict == Verdict::fail) j["failure"] = t.message;
        if (t.verdict == Verdict::inconclusive) j["inconclusive"] = t.message;
        cells.push_back(std::move(j));
    }
    nlohmann::json splats = nlohmann::json::array();
    for (const auto& s : report.kernel_splats) splats.push_back({{"test", s.test}, {"excerpt", s.excerpt}});
    nlohmann::json doc = {{"format", "macvlan-conformance/report/1"},
            {"properties", properties},
            {"summary", {{"tests", c.tests}, {"passed", c.passed}, {"failed", c.failed}, {"skipped", c.skipped},
                         {"inconclusive", c.inconclusive},
                         {"seconds", report.seconds}, {"exit_code", exit_code(c)}}},
            {"kernel_log", {{"source", report.kernel_log}, {"splats", splats}}},
            {"cells", cells},
            {"tests", tests}};
    // --repeat N: per test, how often it ran, passed and changed its verdict.
    if (const Stability s = stability(report); s.iterations > 1) {
        nlohmann::json per_test = nlohmann::json::array();
        for (const auto& t : s.tests)
            per_test.push_back({{"name", t.name}, {"runs", t.runs}, {"passes", t.passes}, {"changes", t.changes}});
        doc["stability"] = {{"iterations", s.iterations}, {"flaky", s.flaky()}, {"summary", s.summary()}, {"tests", per_test}};
    }
    return doc;
}

void write_json_report(const RunReport& report, const std::filesystem::path& file) {
    write_report_file(file, json_report(report).dump(2) + "\n", "JSON report");
}

}  // namespace mvc
