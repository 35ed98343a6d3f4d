// SPDX-License-Identifier: MIT
#include "merged_table.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <tuple>

#include "report_reader.hpp"

namespace mvc {

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::vector<std::string> split_dots(const std::string& s) {
    std::vector<std::string> parts;
    std::string::size_type start = 0;
    for (;;) {
        const auto dot = s.find('.', start);
        parts.push_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos) return parts;
        start = dot + 1;
    }
}

// Where a test belongs: its group, plus the family (or frame kind) for matrix groups, whose
// names are <suite>.<mode>.<variant> and whose tests are named <group>.<family>.<...>.
struct RowKey {
    std::string group, family;
    bool operator<(const RowKey& o) const { return std::tie(group, family) < std::tie(o.group, o.family); }
};

RowKey row_key(const TestRecord& t) {
    if (t.cell && !t.cell->family.empty()) return {t.group, t.cell->family};
    // suite.topology.variant, where a topology's name may have dots of its own (mixed.bridge_vepa).
    if (split_dots(t.group).size() >= 3 && t.name.rfind(t.group + ".", 0) == 0) {
        const auto rest = split_dots(t.name.substr(t.group.size() + 1));
        if (rest.size() > 1) return {t.group, rest.front()};
    }
    return {t.group, ""};
}

MergedTable merge_loaded(const std::vector<ReadReport>& loaded) {
    MergedTable table;
    const std::size_t n = loaded.size();
    std::map<std::string, int> releases;
    for (const auto& l : loaded) {
        MergedRun run;
        run.source = l.source;
        run.format = l.format;
        run.kernel_release = property_value(l.report.properties, property_names::kKernelRelease);
        run.kernel_version = property_value(l.report.properties, property_names::kKernelVersion);
        run.distro = property_value(l.report.properties, property_names::kDistro);
        run.hostname = l.report.hostname;
        run.counts = l.report.counts();
        ++releases[run.kernel_release];
        table.runs.push_back(std::move(run));
    }
    for (std::size_t i = 0; i < n; ++i) {
        auto& run = table.runs[i];
        run.label = run.kernel_release.empty() ? "unknown kernel" : run.kernel_release;
        if (releases[run.kernel_release] > 1) run.label += " [" + std::to_string(i + 1) + "]";
    }

    std::map<RowKey, std::size_t> row_of;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& report = loaded[i].report;
        for (const auto& t : report.tests) {
            const RowKey key = row_key(t);
            auto [it, inserted] = row_of.try_emplace(key, table.rows.size());
            if (inserted) {
                MergedRow row;
                row.group = key.group;
                row.family = key.family;
                row.tests.resize(n);
                row.counts.resize(n);
                const auto parts = split_dots(key.group);
                if (!key.family.empty() && parts.size() >= 3) {
                    const GroupRecord* g = report.group(key.group);
                    auto from_group = [&](const char* name) { return g ? property_value(g->properties, name) : std::string(); };
                    std::string topology = parts[1];
                    for (std::size_t p = 2; p + 1 < parts.size(); ++p) topology += "." + parts[p];
                    row.suite = parts[0];
                    // A layout's slaves have no one mode: the row names the topology instead ("mixed" alone
                    // would not tell mixed.bridge_vepa from mixed.vepa_bridge).
                    const std::string mode = t.cell && !t.cell->mode.empty() ? t.cell->mode : from_group(property_names::kMode);
                    row.mode = !mode.empty() && mode != "mixed" && topology == mode ? mode : topology;
                    row.variant = t.cell && !t.cell->variant.empty() ? t.cell->variant
                                  : !from_group(property_names::kVariant).empty() ? from_group(property_names::kVariant)
                                                                   : parts.back();
                } else {
                    row.suite = key.group;
                }
                table.rows.push_back(std::move(row));
            }
            auto& row = table.rows[it->second];
            row.tests[i].push_back({t.name, t.verdict, first_line(t.message)});
            auto& c = row.counts[i];
            ++c.tests;
            if (t.verdict == Verdict::pass) ++c.passed;
            if (t.verdict == Verdict::fail) ++c.failed;
            if (t.verdict == Verdict::skip) ++c.skipped;
            if (t.verdict == Verdict::inconclusive) ++c.inconclusive;
        }
    }

    // A test differs when some run has another verdict for it, or does not have it at all.
    for (auto& row : table.rows) {
        std::vector<std::string> order;
        std::map<std::string, std::vector<std::optional<Verdict>>> verdicts;
        for (std::size_t i = 0; i < n; ++i)
            for (const auto& t : row.tests[i]) {
                auto [it, inserted] = verdicts.try_emplace(t.name, std::vector<std::optional<Verdict>>(n));
                if (inserted) order.push_back(t.name);
                it->second[i] = t.verdict;
            }
        for (const auto& name : order) {
            const auto& v = verdicts[name];
            if (std::adjacent_find(v.begin(), v.end(), std::not_equal_to<>()) != v.end()) row.differing_tests.push_back(name);
        }
        row.differs = !row.differing_tests.empty();
    }
    return table;
}

}  // namespace

int MergedTable::differing_rows() const {
    return static_cast<int>(std::count_if(rows.begin(), rows.end(), [](const MergedRow& r) { return r.differs; }));
}

MergedTable merge_reports(const std::vector<std::filesystem::path>& reports) {
    std::vector<ReadReport> loaded;
    for (const auto& file : reports) loaded.push_back(read_report_file(file));
    return merge_loaded(loaded);
}

MergedTable merge_runs(const std::vector<std::pair<std::filesystem::path, RunReport>>& reports) {
    std::vector<ReadReport> loaded;
    for (const auto& [source, report] : reports) loaded.push_back({source, "report", report});
    return merge_loaded(loaded);
}

std::string counts_text(const Counts& c) {
    if (c.tests == 0) return "-";
    std::vector<std::string> parts;
    if (c.passed) parts.push_back(std::to_string(c.passed) + "/" + std::to_string(c.tests) + " pass");
    if (c.failed) parts.push_back(std::to_string(c.failed) + " fail");
    if (c.inconclusive) parts.push_back(std::to_string(c.inconclusive) + " inconclusive");
    if (c.skipped) parts.push_back(std::to_string(c.skipped) + " skip");
    std::string text;
    for (const auto& p : parts) text += (text.empty() ? "" : ", ") + p;
    return text;
}

}  // namespace mvc
