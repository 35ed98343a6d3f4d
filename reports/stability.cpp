// SPDX-License-Identifier: MIT
#include "stability.hpp"

#include <algorithm>
#include <map>

namespace mvc {

int Stability::flaky() const {
    return static_cast<int>(std::count_if(tests.begin(), tests.end(), [](const TestStability& t) { return t.changes > 0; }));
}

std::string Stability::summary() const {
    const int n = flaky();
    std::string line = "stability over " + std::to_string(iterations) + " iterations: " + std::to_string(tests.size()) + " tests, ";
    if (n == 0) return line + "none changed its verdict: nothing is flaky";
    line += std::to_string(n) + " changed verdict (flaky):";
    int listed = 0;
    for (const auto& t : tests) {
        if (t.changes == 0) continue;
        if (listed++ == 5) {
            line += " and " + std::to_string(n - 5) + " more";
            break;
        }
        line += (listed > 1 ? ";" : "") + std::string(" ") + t.name + " (" + std::to_string(t.passes) + " of " + std::to_string(t.runs) +
                " passed, " + std::to_string(t.changes) + " changes)";
    }
    return line;
}

Stability stability(const RunReport& report) {
    Stability s;
    std::map<std::string, size_t> index;
    for (const auto& t : report.tests) {
        const auto hash = t.name.rfind('#');
        const bool later = hash != std::string::npos && hash + 1 < t.name.size() &&
                           t.name.find_first_not_of("0123456789", hash + 1) == std::string::npos;
        const std::string name = later ? t.name.substr(0, hash) : t.name;
        auto [it, inserted] = index.try_emplace(name, s.tests.size());
        if (inserted) s.tests.push_back(TestStability{name, 0, 0, 0, {}});
        auto& entry = s.tests[it->second];
        if (!entry.verdicts.empty() && entry.verdicts.back() != t.verdict) ++entry.changes;
        entry.verdicts.push_back(t.verdict);
        ++entry.runs;
        if (t.verdict == Verdict::pass) ++entry.passes;
        s.iterations = std::max(s.iterations, entry.runs);
    }
    return s;
}

}  // namespace mvc
