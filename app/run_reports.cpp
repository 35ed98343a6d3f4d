// SPDX-License-Identifier: MIT
#include "run_reports.hpp"

#include <iostream>
#include <map>

#include "html_report.hpp"
#include "json_report.hpp"
#include "junit_writer.hpp"
#include "ktap_writer.hpp"
#include "matrix_grid.hpp"
#include "report_file.hpp"
#include "stability.hpp"

namespace mvc {

bool write_run_reports(const RunReport& report, const CliOptions& options) {
    // Each report on its own: one that cannot be written must not cost the others.
    bool ok = true;
    auto attempt = [&](bool wanted, const auto& write) {
        if (!wanted) return;
        try {
            write();
        } catch (const std::exception& e) {
            std::cerr << "macvlan-conformance: " << e.what() << "\n";
            ok = false;
        }
    };
    attempt(options.junit.has_value(), [&] { write_junit(report, *options.junit); });
    attempt(options.json.has_value(), [&] { write_json_report(report, *options.json); });
    attempt(options.html.has_value(), [&] { write_html_report(report, *options.html); });
    attempt(options.ktap && !options.ktap_file.empty(), [&] { write_ktap(report, options.ktap_file); });
    attempt(options.ktap && options.ktap_file.empty(), [&] { write_report_stream(std::cout, ktap(report), "KTAP report"); });
    return ok;
}

void print_run_summary(const RunReport& report, int status, std::ostream& console) {
    std::map<std::string, std::vector<TestRecord>> matrices;  // one grid per matrix and iteration
    for (const auto& t : report.tests) {
        if (!t.cell) continue;
        const auto hash = t.name.find('#');
        matrices[t.group + "." + t.cell->family + (hash == std::string::npos ? "" : t.name.substr(hash))].push_back(t);
    }
    for (const auto& [key, cells] : matrices)
        if (auto grid = difference_grid(cells); !grid.empty()) console << "\n" << grid;
    for (const auto& s : report.kernel_splats)
        console << "\nkernel splat " << (s.test.empty() ? "between tests" : "during " + s.test) << ":\n" << s.excerpt << "\n";
    if (const Stability s = stability(report); s.iterations > 1) console << "\n" << s.summary() << "\n";
    const Counts c = report.counts();
    console << "\nmacvlan-conformance: " << c.tests << " tests: " << c.passed << " passed, " << c.failed << " failed, "
            << (c.inconclusive ? std::to_string(c.inconclusive) + " inconclusive, " : "") << c.skipped << " skipped in " << report.seconds << " s (exit " << status << ")\n";
}

}  // namespace mvc
