// SPDX-License-Identifier: MIT
#include "html_report.hpp"
#include "report_file.hpp"

#include "html_escape.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace mvc {

namespace {

const char* kStyle = R"(
body { font-family: sans-serif; margin: 1.5em; color: #222; }
h1 { margin-bottom: 0.2em; }
.summary { font-size: 1.1em; }
.summary .bad { color: #b00020; font-weight: bold; }
table { border-collapse: collapse; margin: 0.4em 1.2em 1.2em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #eee; }
td.pass { background: #c8ecc9; }
td.fail { background: #f6b8b8; font-weight: bold; }
td.skip { background: #e4e4e4; color: #666; }
td.inconclusive { background: #f9e3a6; }
td.self { background: #fafafa; }
.matrices { display: flex; flex-wrap: wrap; }
.matrix { flex: 0 0 auto; margin-right: 1.5em; }
.matrix h3 { margin: 0.4em 0 0.1em 0; font-size: 1em; }
.legend span { padding: 0.1em 0.5em; margin-right: 0.5em; }
table.wide { table-layout: fixed; width: 100%; }
table.wide td, table.wide th { overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
table.compact th, table.compact td { padding: 0 0.15em; font-size: 0.75em; text-align: center; }
details summary { cursor: pointer; margin: 0.2em 0; }
)";

std::string short_reach(const std::string& reach) {
    if (reach == "reachable") return "reach";
    if (reach == "blocked") return "block";
    return reach;
}

std::string verdict_class(Verdict v) { return std::string(to_string(v)); }

// A grid this wide no longer fits a page: it is summarised by kind of endpoint first, and the
// full grid, in one-letter cells, is folded below the summary.
constexpr size_t kFullGridLimit = 16;

using CellIndex = std::map<std::pair<std::string, std::string>, const TestRecord*>;

std::string cell_hover(const TestRecord& t) {
    const auto& c = *t.cell;
    std::string hover = t.name + "\nexpected: " + c.expected + "\nobserved: " + (c.observed.empty() ? "not measured" : c.observed) +
                        "\nwhy: " + c.reason;
    if (t.verdict != Verdict::pass && !t.message.empty()) hover += "\n" + t.message;
    return hover;
}

std::string cell_text(const TestRecord& t, bool compact) {
    const auto& c = *t.cell;
    if (t.verdict == Verdict::skip) return compact ? "s" : "skip";
    if (t.verdict == Verdict::inconclusive) return compact ? "i" : "inconclusive";
    const bool differs = c.observed != c.expected && !c.observed.empty();
    const std::string shown = c.observed.empty() ? c.expected : c.observed;
    std::string text = compact ? (differs ? "!" : shown == "reachable" ? "R" : ".")
                               : differs ? short_reach(c.observed) + " &ne; " + short_reach(c.expected) : short_reach(shown);
    // As expected, and still failed: the silence was not confirmed by the topology's controls.
    if (t.verdict == Verdict::fail && !differs) text += compact ? "?" : " ?";
    return text;
}

void write_grid(std::ostringstream& out, const std::vector<std::string>& endpoints, const CellIndex& index, bool compact) {
    out << "<table" << (compact ? " class=\"compact\"" : "") << "><tr><th>from \\ to</th>";
    for (const auto& e : endpoints) out << "<th>" << escape_html(e) << "</th>";
    out << "</tr>\n";
    for (const auto& from : endpoints) {
        out << "<tr><th>" << escape_html(from) << "</th>";
        for (const auto& to : endpoints) {
            auto it = index.find({from, to});
            if (it == index.end()) {
                out << "<td class=\"self\">" << (from == to ? "&ndash;" : "") << "</td>";
                continue;
            }
            const auto& t = *it->second;
            out << "<td class=\"" << verdict_class(t.verdict) << "\" title=\"" << escape_html(cell_hover(t)) << "\">"
                << cell_text(t, compact) << "</td>";
        }
        out << "</tr>\n";
    }
    out << "</table>\n";
}

// Rows and columns are kinds of endpoint (host, ext, and the slaves by mode); a cell counts the
// pairs of those kinds and names the failed ones on hover, so every failing cell stays findable.
void write_summary(std::ostringstream& out, const std::vector<const TestRecord*>& cells) {
    auto kind = [](const std::string& e, const std::optional<std::string>& mode) { return mode ? *mode + " slaves" : e; };
    std::vector<std::string> kinds;
    struct Tally {
        size_t total = 0, failed = 0, skipped = 0, inconclusive = 0;
        std::vector<std::string> failed_names;
    };
    std::map<std::pair<std::string, std::string>, Tally> tally;
    for (const auto* t : cells) {
        const auto from = kind(t->cell->from, t->cell->from_mode), to = kind(t->cell->to, t->cell->to_mode);
        for (const auto& k : {from, to})
            if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
        auto& n = tally[{from, to}];
        ++n.total;
        if (t->verdict == Verdict::skip) ++n.skipped;
        if (t->verdict == Verdict::inconclusive) ++n.inconclusive;
        if (t->verdict == Verdict::fail) {
            ++n.failed;
            n.failed_names.push_back(t->name);
        }
    }
    out << "<table><tr><th>from \\ to</th>";
    for (const auto& k : kinds) out << "<th>" << escape_html(k) << "</th>";
    out << "</tr>\n";
    for (const auto& from : kinds) {
        out << "<tr><th>" << escape_html(from) << "</th>";
        for (const auto& to : kinds) {
            auto it = tally.find({from, to});
            if (it == tally.end()) {
                out << "<td class=\"self\"></td>";
                continue;
            }
            const auto& n = it->second;
            std::string hover;
            for (size_t i = 0; i < n.failed_names.size() && i < 20; ++i) hover += n.failed_names[i] + "\n";
            if (n.failed_names.size() > 20) hover += "and " + std::to_string(n.failed_names.size() - 20) + " more";
            const char* cls = n.failed ? "fail" : n.inconclusive ? "inconclusive" : n.skipped == n.total ? "skip" : "pass";
            out << "<td class=\"" << cls << "\"" << (hover.empty() ? "" : " title=\"" + escape_html(hover) + "\"") << ">"
                << (n.failed ? std::to_string(n.failed) + " of " + std::to_string(n.total) + " failed"
                             : std::to_string(n.total - n.skipped - n.inconclusive) + " as expected" +
                                   (n.inconclusive ? ", " + std::to_string(n.inconclusive) + " inconclusive" : "") +
                                   (n.skipped ? ", " + std::to_string(n.skipped) + " skipped" : ""))
                << "</td>";
        }
        out << "</tr>\n";
    }
    out << "</table>\n";
}

void write_matrix(std::ostringstream& out, const std::string& title, const std::vector<const TestRecord*>& cells) {
    std::vector<std::string> endpoints;
    CellIndex index;
    auto add = [&](const std::string& e) {
        if (std::find(endpoints.begin(), endpoints.end(), e) == endpoints.end()) endpoints.push_back(e);
    };
    for (const auto* t : cells) {
        add(t->cell->from);
        add(t->cell->to);
        index[{t->cell->from, t->cell->to}] = t;
    }
    out << "<div class=\"matrix\"><h3>" << escape_html(title) << "</h3>";
    if (endpoints.size() <= kFullGridLimit) {
        write_grid(out, endpoints, index, false);
    } else {
        write_summary(out, cells);
        out << "<details><summary>every cell (" << endpoints.size() << " &times; " << endpoints.size()
            << "; R reachable, . blocked, ! differs, ? unconfirmed, i inconclusive, s skipped)</summary>\n";
        write_grid(out, endpoints, index, true);
        out << "</details>";
    }
    out << "</div>\n";
}

}  // namespace

std::string html_report(const RunReport& report) {
    std::ostringstream out;
    const Counts c = report.counts();
    std::map<std::string, std::string> props;
    for (const auto& p : report.properties) props[p.name] = p.value;
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>macvlan-conformance report</title>"
        << "<style>" << kStyle << "</style></head><body>\n";
    out << "<h1>macvlan-conformance</h1>\n<p class=\"summary\">" << c.tests << " tests: " << c.passed << " passed, "
        << (c.failed ? "<span class=\"bad\">" : "") << c.failed << " failed" << (c.failed ? "</span>" : "") << ", "
        << (c.inconclusive ? "<span class=\"bad\">" + std::to_string(c.inconclusive) + " inconclusive</span>, " : "")
        << c.skipped << " skipped &mdash; exit code " << exit_code(c) << " &mdash; kernel "
        << escape_html(props.count(property_names::kKernelRelease) ? props[property_names::kKernelRelease] : "?") << "</p>\n";
    out << "<p class=\"legend\"><span class=\"pass\" style=\"background:#c8ecc9\">as expected</span>"
        << "<span style=\"background:#f6b8b8\">differs (observed &ne; expected)</span>"
        << "<span style=\"background:#e4e4e4\">skipped</span>"
        << "<span style=\"background:#f9e3a6\">inconclusive</span> no reply, but the cell's controls or its own frames "
           "were lost, so the silence says nothing either way. "
        << "<span style=\"background:#f6b8b8\">block ?</span> failed unconfirmed: no reply, as expected, but the topology "
           "never proved it carries traffic (or the cell could not be measured), so the silence proves nothing. "
           "Hover over a cell for its reason; the failed cells are listed below the matrices.</p>\n";

    // Matrices: every group whose tests carry cells, one grid per family (or frame kind).
    std::vector<std::string> matrix_groups;
    for (const auto& g : report.groups)
        if (std::any_of(report.tests.begin(), report.tests.end(), [&](const TestRecord& t) { return t.group == g.name && t.cell; }))
            matrix_groups.push_back(g.name);
    if (!matrix_groups.empty()) {
        out << "<h2>Matrices</h2>\n<div class=\"matrices\">\n";
        for (const auto& group : matrix_groups) {
            std::map<std::string, std::vector<const TestRecord*>> by_family;
            std::vector<std::string> order;
            for (const auto& t : report.tests)
                if (t.group == group && t.cell) {
                    const auto key = t.cell->family + (t.name.find('#') != std::string::npos ? t.name.substr(t.name.find('#')) : "");
                    if (!by_family.count(key)) order.push_back(key);
                    by_family[key].push_back(&t);
                }
            for (const auto& family : order) write_matrix(out, group + " " + family, by_family[family]);
        }
        out << "</div>\n";
    }

    // The failed cells with their reasons on the page itself (and in print), not only on hover.
    std::ostringstream failed_cells;
    for (const auto& t : report.tests)
        if (t.cell && t.verdict == Verdict::fail)
            failed_cells << "<tr><td>" << escape_html(t.name) << "</td><td>" << escape_html(t.cell->expected) << "</td><td>"
                         << escape_html(t.cell->observed.empty() ? "not measured" : t.cell->observed) << "</td><td><pre>"
                         << escape_html(t.message) << "\nexpected because: " << escape_html(t.cell->reason) << "</pre></td></tr>\n";
    if (!failed_cells.str().empty())
        out << "<h2>Failed cells</h2>\n<table class=\"wide\"><colgroup><col style=\"width:25%\"><col style=\"width:8%\">"
            << "<col style=\"width:8%\"><col></colgroup><tr><th>cell</th><th>expected</th><th>observed</th><th>why</th></tr>\n"
            << failed_cells.str() << "</table>\n";

    // Inconclusive cells: why their silence proves nothing.
    std::ostringstream inconclusive_cells;
    for (const auto& t : report.tests)
        if (t.cell && t.verdict == Verdict::inconclusive)
            inconclusive_cells << "<tr><td>" << escape_html(t.name) << "</td><td>" << escape_html(t.cell->expected) << "</td><td><pre>"
                               << escape_html(t.message) << "</pre></td></tr>\n";
    if (!inconclusive_cells.str().empty())
        out << "<h2>Inconclusive cells</h2>\n<table class=\"wide\"><colgroup><col style=\"width:25%\"><col style=\"width:8%\">"
            << "<col></colgroup><tr><th>cell</th><th>expected</th><th>why the silence proves nothing</th></tr>\n"
            << inconclusive_cells.str() << "</table>\n";

    // What the kernel complained about during the run (KernelLogWatch).
    if (!report.kernel_splats.empty()) {
        out << "<h2>Kernel splats</h2>\n<table class=\"wide\"><colgroup><col style=\"width:25%\"><col></colgroup>"
            << "<tr><th>during</th><th>the kernel log</th></tr>\n";
        for (const auto& s : report.kernel_splats)
            out << "<tr><td>" << escape_html(s.test.empty() ? "between tests" : s.test) << "</td><td class=\"fail\"><pre>"
                << escape_html(s.excerpt) << "</pre></td></tr>\n";
        out << "</table>\n";
    }

    // Observations: what tests recorded without asserting, per group.
    static const std::set<std::string> structural{property_names::kSuite, property_names::kTopology, property_names::kVariantParent, property_names::kMode,
                                                  property_names::kVariant, property_names::kVariantDescription};
    std::ostringstream observations;
    for (const auto& g : report.groups)
        for (const auto& p : g.properties)
            if (!structural.count(p.name))
                observations << "<tr><td>" << escape_html(g.name) << "</td><td>" << escape_html(p.name) << "</td><td>" << escape_html(p.value) << "</td></tr>\n";
    if (!observations.str().empty())
        out << "<h2>Observations</h2>\n<table class=\"wide\"><tr><th>suite</th><th>what</th><th>observed</th></tr>\n" << observations.str() << "</table>\n";

    out << "<h2>Other tests</h2>\n<table class=\"wide\"><colgroup><col style=\"width:35%\"><col style=\"width:6%\"><col></colgroup>"
        << "<tr><th>test</th><th>verdict</th><th>details</th></tr>\n";
    for (const auto& t : report.tests)
        if (!t.cell)
            out << "<tr><td>" << escape_html(t.name) << "</td><td class=\"" << verdict_class(t.verdict) << "\">" << to_string(t.verdict)
                << "</td><td><pre>" << escape_html(t.message) << "</pre></td></tr>\n";
    out << "</table>\n";

    out << "<h2>Environment</h2>\n<table>\n";
    for (const auto& p : report.properties) out << "<tr><th>" << escape_html(p.name) << "</th><td>" << escape_html(p.value) << "</td></tr>\n";
    out << "</table>\n</body></html>\n";
    return out.str();
}

void write_html_report(const RunReport& report, const std::filesystem::path& file) {
    write_report_file(file, html_report(report), "HTML report");
}

}  // namespace mvc
