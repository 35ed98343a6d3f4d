// SPDX-License-Identifier: MIT
#include "bench_report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace mvc {

const BenchPath* BenchReport::find_path(const std::string& id) const {
    for (const auto& p : paths)
        if (p.id == id) return &p;
    return nullptr;
}

double median_of(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

BenchCell summarise(const BenchReport& report, const BenchPath& path, std::size_t metric) {
    BenchCell cell;
    if (!path.skipped.empty() || metric >= path.samples.size() || path.samples[metric].empty()) {
        cell.verdict = path.skipped.empty() ? "not measured" : "skipped";
        return cell;
    }
    const auto& values = path.samples[metric];
    cell.measured = true;
    cell.rounds = static_cast<unsigned>(values.size());
    cell.median = median_of(values);
    cell.min = *std::min_element(values.begin(), values.end());
    cell.max = *std::max_element(values.begin(), values.end());
    if (path.id == report.baseline) {
        cell.verdict = "baseline";
        return cell;
    }
    const BenchPath* base = report.find_path(report.baseline);
    if (!base || metric >= base->samples.size()) {
        cell.verdict = "no baseline";
        return cell;
    }
    // Round i of this path against round i of the baseline: measured seconds apart.
    std::vector<double> ratios;
    const auto& base_values = base->samples[metric];
    for (std::size_t i = 0; i < values.size() && i < base_values.size(); ++i)
        if (base_values[i] > 0) ratios.push_back(values[i] / base_values[i]);
    if (ratios.empty()) {
        cell.verdict = "no baseline";
        return cell;
    }
    cell.has_ratio = true;
    cell.ratio_median = median_of(ratios);
    cell.ratio_min = *std::min_element(ratios.begin(), ratios.end());
    cell.ratio_max = *std::max_element(ratios.begin(), ratios.end());
    if (ratios.size() < kRoundsForVerdict) {
        cell.verdict = "too few rounds for a verdict (" + std::to_string(ratios.size()) + ", at least " +
                       std::to_string(kRoundsForVerdict) + ")";
        return cell;
    }
    const bool above = cell.ratio_min > 1, below = cell.ratio_max < 1;
    const bool good = report.metrics[metric].higher_is_better;
    if (above || below) cell.verdict = (above == good) ? "faster" : "slower";
    else cell.verdict = "no difference measurable on this machine";
    return cell;
}

namespace {

std::string number(double v) {
    char buffer[32];
    if (v >= 1000) std::snprintf(buffer, sizeof buffer, "%.0f", v);
    else if (v >= 100) std::snprintf(buffer, sizeof buffer, "%.1f", v);
    else std::snprintf(buffer, sizeof buffer, "%.2f", v);
    return buffer;
}

std::string ratio_text(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, v < 0.1 ? "%.2g" : "%.2f", v);  // 0.0034, not 0.00
    return buffer;
}

std::string pad(std::string s, std::size_t width) {
    // Widths count bytes; the table is ASCII.
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

}  // namespace

std::string bench_text(const BenchReport& report) {
    std::ostringstream out;
    const auto& env = report.environment;
    out << "macvlan-conformance bench: kernel " << env.kernel << ", " << env.cpus << " CPUs, load average "
        << ratio_text(env.load_before) << " at the start and " << ratio_text(env.load_after) << " at the end, nice "
        << env.nice << "\n"
        << report.repetitions << " rounds of " << report.duration_ms << " ms per path and workload, paths interleaved; "
        << "ratios are per round against " << report.baseline << " (median, min..max over the rounds)\n";
    std::size_t width = 14;
    for (const auto& p : report.paths) width = std::max(width, p.id.size() + 2);
    for (std::size_t m = 0; m < report.metrics.size(); ++m) {
        const auto& metric = report.metrics[m];
        out << "\n" << metric.title << " (" << metric.unit << ", " << (metric.higher_is_better ? "higher" : "lower")
            << " is better)\n  " << pad("path", width) << pad("median", 10) << pad("min..max", 20) << pad("ratio", 7)
            << pad("ratio min..max", 16) << "verdict\n";
        for (const auto& p : report.paths) {
            const BenchCell c = summarise(report, p, m);
            out << "  " << pad(p.id, width);
            if (!c.measured) {
                out << (p.skipped.empty() ? "not measured: " + p.failed : "skipped: " + p.skipped) << "\n";
                continue;
            }
            out << pad(number(c.median), 10) << pad(number(c.min) + ".." + number(c.max), 20);
            if (c.has_ratio)
                out << pad(ratio_text(c.ratio_median), 7) << pad(ratio_text(c.ratio_min) + ".." + ratio_text(c.ratio_max), 16);
            else
                out << pad("", 7 + 16);
            out << c.verdict << "\n";
        }
    }
    for (const auto& p : report.paths) {
        if (p.user_space_relay && p.skipped.empty())
            out << "\nNote: " << p.id << " includes a user-space relay (a thread of this process between the macvtap's "
                << "queue and the guest's TAP, where a VM has QEMU or vhost-net): it measures the relay as much as macvtap.\n";
        if (!p.failed.empty()) out << "\n" << p.id << " broke off: " << p.failed << "\n";
    }
    return out.str();
}

}  // namespace mvc
