// SPDX-License-Identifier: MIT
#include "merged_render.hpp"

#include <algorithm>
#include <map>

namespace mvc::merged_render {

std::string row_title(const MergedRow& row) {
    if (row.mode.empty()) return row.group;
    return row.suite + " " + row.mode + " " + row.variant + " " + row.family;
}

std::vector<std::string> outcome_lines(const std::vector<MergedTest>& tests, const std::set<std::string>* only) {
    std::map<std::pair<Verdict, std::string>, int> seen;
    std::vector<std::pair<Verdict, std::string>> order;
    int counted = 0;
    for (const auto& t : tests) {
        if (only && !only->count(t.name)) continue;
        ++counted;
        const auto key = std::make_pair(t.verdict, t.verdict == Verdict::pass ? std::string() : t.message);
        if (seen[key]++ == 0) order.push_back(key);
    }
    std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) { return seen[a] > seen[b]; });
    std::vector<std::string> lines;
    for (const auto& key : order)
        lines.push_back(std::to_string(seen[key]) + " " + std::string(to_string(key.first)) + (key.second.empty() ? "" : ": " + key.second));
    if (only && counted < static_cast<int>(only->size()))
        lines.push_back(std::to_string(static_cast<int>(only->size()) - counted) + " not run");
    return lines;
}

std::string verdict_or_absent(const std::vector<MergedTest>& tests, const std::string& name) {
    for (const auto& t : tests)
        if (t.name == name) return std::string(to_string(t.verdict));
    return "not run";
}

std::string cell_class(const Counts& c) {
    if (c.tests == 0) return "absent";
    if (c.failed) return "fail";
    if (c.inconclusive) return "partial";
    if (c.skipped == c.tests) return "skip";
    if (c.passed == c.tests) return "pass";
    return "partial";
}

int row_size(const MergedRow& row) {
    int size = 0;
    for (const auto& c : row.counts) size = std::max(size, c.tests);
    return size;
}

bool list_test_names(const MergedRow& row) {
    if (row.differing_tests.size() > 8) return false;
    if (static_cast<int>(row.differing_tests.size()) < row_size(row)) return true;
    return std::any_of(row.tests.begin(), row.tests.end(), [](const std::vector<MergedTest>& tests) {
        return std::any_of(tests.begin(), tests.end(), [](const MergedTest& t) { return t.verdict == Verdict::fail; });
    });
}

}  // namespace mvc::merged_render
