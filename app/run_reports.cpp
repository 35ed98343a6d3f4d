#include "run_reports.hpp"

#include <iostream>
#include <map>

#include "html_report.hpp"
#include "json_report.hpp"
#include "junit_writer.hpp"
#include "ktap_writer.hpp"
#include "matrix_grid.hpp"

namespace mvc {

bool write_run_reports(const RunReport& report, const CliOptions& options) {
    try {
        if (options.junit) write_junit(report, *options.junit);
        if (options.json) write_json_report(report, *options.json);
        if (options.html) write_html_report(report, *options.html);
        if (options.ktap && !options.ktap_file.empty()) write_ktap(report, options.ktap_file);
        if (options.ktap && options.ktap_file.empty()) std::cout << ktap(report);
    } catch (const std::exception& e) {
        std::cerr << "macvlan-conformance: " << e.what() << "\n";
        return false;
    }
    return true;
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
    const Counts c = report.counts();
    console << "\nmacvlan-conformance: " << c.tests << " tests: " << c.passed << " passed, " << c.failed << " failed, "
            << c.skipped << " skipped in " << report.seconds << " s (exit " << status << ")\n";
}

}  // namespace mvc
