// SPDX-License-Identifier: MIT
#include "matrix_grid.hpp"

#include <algorithm>
#include <sstream>

namespace mvc {

namespace {
const char* short_form(const std::string& reach) {
    if (reach == "reachable") return "reach";
    if (reach == "blocked") return "block";
    return "?";
}
}  // namespace

std::string difference_grid(const std::vector<TestRecord>& records) {
    bool failed = false;
    for (const auto& r : records) failed = failed || r.verdict == Verdict::fail || r.verdict == Verdict::inconclusive;
    if (!failed || records.empty()) return "";
    std::vector<CellRecord> matrix;
    for (const auto& r : records) matrix.push_back(*r.cell);

    std::vector<std::string> endpoints;
    for (const auto* order : {"host", "ext", "c1", "c2"})
        if (std::any_of(matrix.begin(), matrix.end(), [&](const CellRecord& c) { return c.from == order || c.to == order; }))
            endpoints.push_back(order);

    constexpr int kWidth = 16;
    std::ostringstream out;
    out << matrix.front().mode << "/" << matrix.front().variant << " " << matrix.front().family
        << ": observed per cell; '!' differs from the expectation (in parentheses), '?' inconclusive (no reply, but the controls or the cell's frames were lost)\n";
    auto pad = [&](const std::string& s) { return s + std::string(s.size() < kWidth ? kWidth - s.size() : 1, ' '); };
    out << pad("from \\ to");
    for (const auto& e : endpoints) out << pad(e);
    out << '\n';
    for (const auto& from : endpoints) {
        out << pad(from);
        for (const auto& to : endpoints) {
            if (from == to) {
                out << pad("-");
                continue;
            }
            auto it = std::find_if(matrix.begin(), matrix.end(), [&](const CellRecord& c) { return c.from == from && c.to == to; });
            if (it == matrix.end() || it->observed.empty()) {
                out << pad(".");
            } else if (const Verdict v = records[static_cast<size_t>(it - matrix.begin())].verdict; v == Verdict::inconclusive) {
                out << pad("?" + std::string(short_form(it->observed)));
            } else if (it->observed == it->expected) {
                out << pad(std::string(v == Verdict::fail ? "?" : "") + short_form(it->observed));
            } else {
                out << pad(std::string("!") + short_form(it->observed) + " (" + short_form(it->expected) + ")");
            }
        }
        out << '\n';
    }
    return out.str();
}

}  // namespace mvc
