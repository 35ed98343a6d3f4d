// SPDX-License-Identifier: MIT
#include <set>
#include <sstream>

#include "html_escape.hpp"
#include "merged_render.hpp"
#include "merged_table.hpp"
#include "report_file.hpp"

namespace mvc {

using namespace merged_render;

std::string merged_html(const MergedTable& table) {
    std::ostringstream out;
    const std::size_t n = table.runs.size();
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>macvlan-conformance across kernels</title><style>\n"
        << "body { font-family: sans-serif; margin: 1.5em; color: #222; }\n"
        << "table { border-collapse: collapse; margin: 0.4em 0 1.2em 0; }\n"
        << "th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }\n"
        << "th { background: #eee; }\n"
        << "td.pass { background: #c8ecc9; } td.fail { background: #f6b8b8; font-weight: bold; }\n"
        << "td.skip { background: #e4e4e4; color: #555; } td.partial { background: #e3f1d4; }\n"
        << "td.absent { background: #fff; color: #999; }\n"
        << "tr.differs td.mark { background: #ffe08a; font-weight: bold; text-align: center; }\n"
        << "tr.differs td.group { border-left: 4px solid #e0a800; }\n"
        << "tr.total td { font-weight: bold; border-top: 2px solid #888; }\n"
        << ".legend span { padding: 0.1em 0.5em; margin-right: 0.5em; }\n"
        << "ul { margin: 0.2em 0 0.8em 0; } code { font-size: 0.95em; }\n"
        << "</style></head><body>\n<h1>macvlan-conformance across kernels</h1>\n";
    out << "<p>" << n << " run" << (n == 1 ? "" : "s") << "; " << table.differing_rows() << " of " << table.rows.size()
        << " rows differ between them.</p>\n";
    out << "<h2>Runs</h2>\n<table><tr><th>#</th><th>kernel</th><th>version</th><th>distro</th><th>host</th><th>tests</th>"
           "<th>passed</th><th>failed</th><th>skipped</th><th>exit</th><th>report</th></tr>\n";
    for (std::size_t i = 0; i < n; ++i) {
        const auto& r = table.runs[i];
        out << "<tr><td>" << i + 1 << "</td><td>" << escape_html(r.label) << "</td><td>" << escape_html(r.kernel_version) << "</td><td>"
            << escape_html(r.distro) << "</td><td>" << escape_html(r.hostname) << "</td><td>" << r.counts.tests << "</td><td>"
            << r.counts.passed << "</td><td" << (r.counts.failed ? " class=\"fail\"" : "") << ">" << r.counts.failed << "</td><td>"
            << r.counts.skipped << "</td><td>" << exit_code(r.counts) << "</td><td><code>" << escape_html(r.source.string())
            << "</code></td></tr>\n";
    }
    out << "</table>\n";
    out << "<h2>Results</h2>\n<p class=\"legend\"><span style=\"background:#c8ecc9\">all passed</span>"
        << "<span style=\"background:#e3f1d4\">passed, some skipped</span><span style=\"background:#e4e4e4\">all skipped</span>"
        << "<span style=\"background:#f6b8b8\">a failure</span><span style=\"background:#ffe08a\">&ne; the runs differ</span>"
        << " Hover over a cell for the skip and failure reasons.</p>\n";
    out << "<table><tr><th>suite</th><th>mode</th><th>variant</th><th>family</th>";
    for (const auto& r : table.runs) out << "<th>" << escape_html(r.label) << "</th>";
    out << "<th>&ne;</th></tr>\n";
    for (const auto& row : table.rows) {
        out << "<tr" << (row.differs ? " class=\"differs\"" : "") << "><td class=\"group\">" << escape_html(row.suite) << "</td><td>"
            << escape_html(row.mode) << "</td><td>" << escape_html(row.variant) << "</td><td>" << escape_html(row.family) << "</td>";
        for (std::size_t i = 0; i < n; ++i) {
            std::string hover = row.group + (row.family.empty() ? "" : " " + row.family);
            for (const auto& line : outcome_lines(row.tests[i], nullptr)) hover += "\n" + line;
            out << "<td class=\"" << cell_class(row.counts[i]) << "\" title=\"" << escape_html(hover) << "\">"
                << escape_html(counts_text(row.counts[i])) << "</td>";
        }
        out << "<td class=\"mark\">" << (row.differs ? "&ne;" : "") << "</td></tr>\n";
    }
    out << "<tr class=\"total\"><td>all tests</td><td></td><td></td><td></td>";
    for (const auto& r : table.runs) out << "<td class=\"" << cell_class(r.counts) << "\">" << escape_html(counts_text(r.counts)) << "</td>";
    out << "<td></td></tr>\n</table>\n";

    if (table.differing_rows() > 0) {
        out << "<h2>Where the runs differ</h2>\n";
        for (const auto& row : table.rows) {
            if (!row.differs) continue;
            const std::set<std::string> only(row.differing_tests.begin(), row.differing_tests.end());
            out << "<h3>" << escape_html(row_title(row)) << " &mdash; " << row.differing_tests.size() << " test"
                << (row.differing_tests.size() == 1 ? "" : "s") << " differ</h3>\n<ul>\n";
            for (std::size_t i = 0; i < n; ++i)
                for (const auto& line : outcome_lines(row.tests[i], &only))
                    out << "<li><b>" << escape_html(table.runs[i].label) << "</b>: " << escape_html(line) << "</li>\n";
            out << "</ul>\n";
            if (list_test_names(row)) {
                out << "<table><tr><th>test</th>";
                for (const auto& r : table.runs) out << "<th>" << escape_html(r.label) << "</th>";
                out << "</tr>\n";
                for (const auto& name : row.differing_tests) {
                    out << "<tr><td><code>" << escape_html(name) << "</code></td>";
                    for (std::size_t i = 0; i < n; ++i) {
                        const std::string v = verdict_or_absent(row.tests[i], name);
                        out << "<td class=\"" << (v == "not run" ? "absent" : v) << "\">" << escape_html(v) << "</td>";
                    }
                    out << "</tr>\n";
                }
                out << "</table>\n";
            }
        }
    }
    out << "</body></html>\n";
    return out.str();
}

void write_merged_html(const MergedTable& table, const std::filesystem::path& file) { write_report_file(file, merged_html(table), "merged HTML"); }

}  // namespace mvc
