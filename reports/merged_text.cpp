// SPDX-License-Identifier: MIT
#include <algorithm>
#include <set>
#include <sstream>

#include "merged_render.hpp"
#include "merged_table.hpp"
#include "report_file.hpp"

namespace mvc {

using namespace merged_render;

std::string merged_text(const MergedTable& table) {
    std::ostringstream out;
    const std::size_t n = table.runs.size();
    out << "macvlan-conformance: " << n << " run" << (n == 1 ? "" : "s") << " side by side\n\n";
    for (std::size_t i = 0; i < n; ++i) {
        const auto& r = table.runs[i];
        out << "  [" << i + 1 << "] " << r.label << ": " << r.counts.tests << " tests, " << r.counts.passed << " passed, "
            << r.counts.failed << " failed, "
            << (r.counts.inconclusive ? std::to_string(r.counts.inconclusive) + " inconclusive, " : "") << r.counts.skipped << " skipped (exit " << exit_code(r.counts) << ")";
        if (!r.distro.empty()) out << "; " << r.distro;
        if (!r.hostname.empty()) out << "; host " << r.hostname;
        out << "; " << r.source.string() << "\n";
    }
    out << "\n";

    std::vector<std::string> headers{"suite", "mode", "variant", "family"};
    for (const auto& r : table.runs) headers.push_back(r.label);
    std::vector<std::vector<std::string>> lines;
    for (const auto& row : table.rows) {
        std::vector<std::string> line{row.suite, row.mode, row.variant, row.family};
        for (const auto& c : row.counts) line.push_back(counts_text(c));
        lines.push_back(std::move(line));
    }
    std::vector<std::string> total{"all tests", "", "", ""};
    for (const auto& r : table.runs) total.push_back(counts_text(r.counts));
    std::vector<std::size_t> width(headers.size());
    for (std::size_t k = 0; k < headers.size(); ++k) {
        width[k] = std::max(headers[k].size(), total[k].size());
        for (const auto& line : lines) width[k] = std::max(width[k], line[k].size());
    }
    auto print = [&](const std::vector<std::string>& line, bool differs) {
        std::string text;
        for (std::size_t k = 0; k < line.size(); ++k) {
            text += (k == 4 ? " | " : k ? "  " : "") + line[k];
            if (k + 1 < line.size()) text += std::string(width[k] - line[k].size(), ' ');
        }
        if (differs) text += std::string(width.back() - line.back().size(), ' ') + "  *";
        out << text << "\n";
    };
    print(headers, false);
    std::size_t rule = 0;
    for (auto w : width) rule += w + 2;
    out << std::string(rule + 1, '-') << "\n";
    for (std::size_t i = 0; i < lines.size(); ++i) print(lines[i], table.rows[i].differs);
    out << std::string(rule + 1, '-') << "\n";
    print(total, false);

    const int differing = table.differing_rows();
    if (n < 2) return out.str();
    if (differing == 0) {
        out << "\nEvery row has the same verdicts in every run.\n";
        return out.str();
    }
    out << "\n* " << differing << " row" << (differing == 1 ? "" : "s")
        << " where the runs differ (a verdict, or a test one run does not have):\n";
    for (const auto& row : table.rows) {
        if (!row.differs) continue;
        const std::set<std::string> only(row.differing_tests.begin(), row.differing_tests.end());
        out << "\n" << row_title(row) << ": " << row.differing_tests.size() << " of " << row_size(row) << " tests differ\n";
        if (list_test_names(row)) {
            for (const auto& name : row.differing_tests) {
                out << "  " << name << ":";
                for (std::size_t i = 0; i < n; ++i) out << (i ? ", " : " ") << table.runs[i].label << " " << verdict_or_absent(row.tests[i], name);
                out << "\n";
            }
        }
        for (std::size_t i = 0; i < n; ++i)
            for (const auto& line : outcome_lines(row.tests[i], &only)) out << "  " << table.runs[i].label << ": " << line << "\n";
    }
    return out.str();
}

void write_merged_text(const MergedTable& table, const std::filesystem::path& file) { write_report_file(file, merged_text(table), "merged table"); }

}  // namespace mvc
