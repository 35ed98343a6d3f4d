// SPDX-License-Identifier: MIT
#include "ktap_writer.hpp"
#include "report_file.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mvc {

namespace {

// KTAP descriptions and directives are single lines; '#' would start a directive.
std::string one_line(std::string text) {
    for (auto& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

std::string description(std::string text) {
    text = one_line(std::move(text));
    for (auto& c : text)
        if (c == '#') c = '_';
    return text;
}

void diagnostics(std::ostringstream& out, const std::string& indent, const std::string& text) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) out << indent << "# " << line << "\n";
}

}  // namespace

std::string ktap(const RunReport& report) {
    std::ostringstream out;
    out << "KTAP version 1\n";
    for (const auto& p : report.properties) out << "# " << p.name << ": " << one_line(p.value) << "\n";
    out << "1.." << report.groups.size() << "\n";
    int group_number = 0;
    for (const auto& group : report.groups) {
        const Counts c = report.counts(group.name);
        out << "  KTAP version 1\n";
        out << "  # Subtest: " << description(group.name) << "\n";
        for (const auto& p : group.properties) out << "  # " << p.name << ": " << one_line(p.value) << "\n";
        out << "  1.." << c.tests << "\n";
        int n = 0;
        for (const auto& t : report.tests) {
            if (t.group != group.name) continue;
            ++n;
            const bool bad = t.verdict == Verdict::fail || t.verdict == Verdict::inconclusive;
            if (bad) diagnostics(out, "  ", t.message);
            out << "  " << (bad ? "not ok " : "ok ") << n << " " << description(t.name);
            if (t.verdict == Verdict::skip) out << " # SKIP " << one_line(t.message);
            // kselftest's ksft_test_result_error(): "not ok N ... # error", counted as error: in the totals.
            if (t.verdict == Verdict::inconclusive) out << " # error inconclusive";
            out << "\n";
        }
        ++group_number;
        out << "# " << description(group.name) << ": pass:" << c.passed << " fail:" << c.failed << " skip:" << c.skipped
            << " error:" << c.inconclusive << "\n";
        out << (c.failed || c.inconclusive ? "not ok " : "ok ") << group_number << " " << description(group.name);
        if (c.tests > 0 && c.skipped == c.tests) out << " # SKIP every test in it was skipped";
        out << "\n";
    }
    for (const auto& s : report.kernel_splats) {
        out << "# kernel splat" << (s.test.empty() ? " between tests" : " during " + one_line(s.test)) << ":\n";
        diagnostics(out, "", s.excerpt);
    }
    const Counts c = report.counts();
    out << "# Totals: pass:" << c.passed << " fail:" << c.failed << " xfail:0 xpass:0 skip:" << c.skipped << " error:" << c.inconclusive << "\n";
    return out.str();
}

void write_ktap(const RunReport& report, const std::filesystem::path& file) {
    write_report_file(file, ktap(report), "KTAP report");
}

}  // namespace mvc
