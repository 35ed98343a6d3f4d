// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "bench_report.hpp"
#include "html_escape.hpp"

namespace mvc {

namespace {

std::string fixed(double v, int digits) {
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
    return buffer;
}

std::string value_text(double v) { return fixed(v, v >= 1000 ? 0 : v >= 100 ? 1 : 2); }

std::string short_verdict(const std::string& verdict) {
    if (verdict.rfind("no difference", 0) == 0) return "no difference";
    if (verdict.rfind("too few", 0) == 0) return "no verdict (too few rounds)";
    return verdict;
}

const char* bar_colour(const BenchCell& c) {
    if (c.verdict == "baseline") return "#6b6b6b";
    if (c.verdict == "faster") return "#3f9f4f";
    if (c.verdict == "slower") return "#c8553d";
    return "#8fa8c8";  // no verdict
}

// One metric's chart: a bar per measured path at its median, a whisker from its smallest to its
// largest round, a dashed line at the baseline's median, and the numbers beside each bar.
std::string chart(const BenchReport& report, std::size_t m) {
    constexpr int kLabel = 300, kPlot = 380, kText = 330, kRow = 30, kTop = 10, kAxis = 26;
    const int width = kLabel + kPlot + kText;
    std::vector<std::pair<const BenchPath*, BenchCell>> rows;
    double top = 0;
    for (const auto& p : report.paths) {
        rows.emplace_back(&p, summarise(report, p, m));
        if (rows.back().second.measured) top = std::max(top, rows.back().second.max);
    }
    if (top <= 0) top = 1;
    // Ticks at a round step (1, 2 or 5 times a power of ten), about four of them.
    double step = std::pow(10, std::floor(std::log10(top / 4)));
    for (double f : {2.0, 5.0, 10.0})
        if (top / step > 5) step = std::pow(10, std::floor(std::log10(top / 4))) * f;
    const int ticks = static_cast<int>(std::ceil(top / step));
    top = std::max(top * 1.04, ticks * step);
    const int height = kTop + static_cast<int>(rows.size()) * kRow + kAxis;
    auto x = [&](double v) { return kLabel + v / top * kPlot; };
    std::ostringstream svg;
    svg << "<svg width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 "
        << width << " " << height << "\" role=\"img\" aria-label=\"" << escape_html(report.metrics[m].title) << "\">\n"
        << "<style>text { font: 12px sans-serif; fill: #222; } .small { font-size: 11px; fill: #555; }</style>\n";
    // Axis with five ticks.
    const int axis_y = kTop + static_cast<int>(rows.size()) * kRow + 4;
    svg << "<line x1=\"" << kLabel << "\" y1=\"" << axis_y << "\" x2=\"" << kLabel + kPlot << "\" y2=\"" << axis_y
        << "\" stroke=\"#888\"/>\n";
    for (int t = 0; t <= ticks; ++t) {
        const double v = step * t;
        svg << "<line x1=\"" << fixed(x(v), 1) << "\" y1=\"" << axis_y << "\" x2=\"" << fixed(x(v), 1) << "\" y2=\"" << axis_y + 4
            << "\" stroke=\"#888\"/><text class=\"small\" x=\"" << fixed(x(v), 1) << "\" y=\"" << axis_y + 16
            << "\" text-anchor=\"middle\">" << value_text(v) << "</text>\n";
    }
    double baseline = -1;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& [path, c] = rows[i];
        const int y = kTop + static_cast<int>(i) * kRow;
        svg << "<text x=\"" << kLabel - 8 << "\" y=\"" << y + 18 << "\" text-anchor=\"end\">" << escape_html(path->title)
            << "</text>\n";
        if (!c.measured) {
            svg << "<text class=\"small\" x=\"" << kLabel + 4 << "\" y=\"" << y + 18 << "\">"
                << escape_html(path->skipped.empty() ? "not measured" : "skipped: " + path->skipped.substr(0, 90)) << "</text>\n";
            continue;
        }
        if (c.verdict == "baseline") baseline = c.median;
        svg << "<rect x=\"" << kLabel << "\" y=\"" << y + 5 << "\" width=\"" << fixed(x(c.median) - kLabel, 1)
            << "\" height=\"" << kRow - 10 << "\" fill=\"" << bar_colour(c) << "\"><title>"
            << escape_html(path->id + ": median " + value_text(c.median) + " " + report.metrics[m].unit + ", rounds " +
                           value_text(c.min) + " to " + value_text(c.max))
            << "</title></rect>\n";
        const int mid = y + kRow / 2;
        svg << "<path d=\"M" << fixed(x(c.min), 1) << " " << mid << " H" << fixed(x(c.max), 1) << " M" << fixed(x(c.min), 1) << " "
            << mid - 6 << " V" << mid + 6 << " M" << fixed(x(c.max), 1) << " " << mid - 6 << " V" << mid + 6
            << "\" stroke=\"#111\" stroke-width=\"1.5\" fill=\"none\"/>\n";
        std::string label = value_text(c.median) + " (" + value_text(c.min) + "\u2013" + value_text(c.max) + ")";
        if (c.has_ratio) label += "  \u00d7" + (c.ratio_median < 0.1 ? fixed(c.ratio_median, 3) : fixed(c.ratio_median, 2)) + " " + short_verdict(c.verdict);
        svg << "<text x=\"" << kLabel + kPlot + 8 << "\" y=\"" << y + 18 << "\">" << escape_html(label) << "</text>\n";
    }
    if (baseline > 0)
        svg << "<line x1=\"" << fixed(x(baseline), 1) << "\" y1=\"" << kTop << "\" x2=\"" << fixed(x(baseline), 1) << "\" y2=\""
            << axis_y << "\" stroke=\"#333\" stroke-dasharray=\"4 3\"><title>baseline median</title></line>\n";
    svg << "</svg>\n";
    return svg.str();
}

}  // namespace

std::string bench_html(const BenchReport& report) {
    std::ostringstream out;
    const auto& env = report.environment;
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>macvlan-conformance bench</title><style>\n"
        << "body { font-family: sans-serif; margin: 1.5em; color: #222; max-width: 70em; }\n"
        << "table { border-collapse: collapse; margin: 0.4em 0 1.2em 0; }\n"
        << "th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }\n"
        << "th { background: #eee; } td.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
        << ".legend span { padding: 0.1em 0.5em; margin-right: 0.5em; color: #fff; }\n"
        << "</style></head><body>\n<h1>Is macvlan faster than a bridge?</h1>\n";
    out << "<p>Kernel " << escape_html(env.kernel) << " on " << escape_html(env.hostname) << ", " << env.cpus
        << " CPUs, load average " << fixed(env.load_before, 2) << " at the start and " << fixed(env.load_after, 2)
        << " at the end, nice " << env.nice << ", started " << escape_html(env.started_utc) << ". " << report.repetitions
        << " rounds of " << report.duration_ms << " ms per path and workload" << (report.quick ? " (--quick)" : "")
        << ", the paths interleaved in every round; " << fixed(report.wall_seconds, 1) << " s in all.</p>\n"
        << "<p>Bars are the median over the rounds, whiskers the smallest and largest round. A ratio is the path's value "
        << "divided by the baseline's (" << escape_html(report.baseline) << ") in the same round; a verdict is given only "
        << "when every round's ratio lies on the same side of 1 and there are at least " << kRoundsForVerdict
        << " rounds.</p>\n<p class=\"legend\"><span style=\"background:#6b6b6b\">baseline</span><span "
        << "style=\"background:#3f9f4f\">faster</span><span style=\"background:#c8553d\">slower</span><span "
        << "style=\"background:#8fa8c8\">no difference measurable</span></p>\n";
    for (std::size_t m = 0; m < report.metrics.size(); ++m) {
        const auto& metric = report.metrics[m];
        out << "<h2>" << escape_html(metric.title) << " (" << escape_html(metric.unit) << ", "
            << (metric.higher_is_better ? "higher" : "lower") << " is better)</h2>\n"
            << chart(report, m);
        out << "<table><tr><th>path</th><th>median</th><th>min</th><th>max</th><th>ratio</th><th>ratio min</th>"
               "<th>ratio max</th><th>verdict</th></tr>\n";
        for (const auto& p : report.paths) {
            const BenchCell c = summarise(report, p, m);
            out << "<tr><td>" << escape_html(p.id) << "</td>";
            if (!c.measured) {
                out << "<td colspan=\"7\">" << escape_html(p.skipped.empty() ? "not measured: " + p.failed : "skipped: " + p.skipped)
                    << "</td></tr>\n";
                continue;
            }
            out << "<td class=\"num\">" << value_text(c.median) << "</td><td class=\"num\">" << value_text(c.min)
                << "</td><td class=\"num\">" << value_text(c.max) << "</td>";
            if (c.has_ratio)
                out << "<td class=\"num\">" << fixed(c.ratio_median, 2) << "</td><td class=\"num\">" << fixed(c.ratio_min, 2)
                    << "</td><td class=\"num\">" << fixed(c.ratio_max, 2) << "</td>";
            else
                out << "<td></td><td></td><td></td>";
            out << "<td>" << escape_html(c.verdict) << "</td></tr>\n";
        }
        out << "</table>\n";
    }
    out << "<h2>Paths</h2>\n<table><tr><th>path</th><th>what</th><th>how the traffic travels</th></tr>\n";
    for (const auto& p : report.paths)
        out << "<tr><td>" << escape_html(p.id) << "</td><td>" << escape_html(p.title) << "</td><td>" << escape_html(p.description)
            << (p.skipped.empty() ? "" : "<br><b>Skipped:</b> " + escape_html(p.skipped))
            << (p.failed.empty() ? "" : "<br><b>Broke off:</b> " + escape_html(p.failed)) << "</td></tr>\n";
    out << "</table>\n<p>Generated by macvlan-conformance " << escape_html(report.tool_version) << " bench.</p>\n</body></html>\n";
    return out.str();
}

}  // namespace mvc
