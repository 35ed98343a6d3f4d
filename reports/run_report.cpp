// SPDX-License-Identifier: MIT
#include "run_report.hpp"

namespace mvc {

std::string_view to_string(Verdict verdict) {
    switch (verdict) {
        case Verdict::pass: return "pass";
        case Verdict::fail: return "fail";
        case Verdict::skip: return "skip";
        case Verdict::inconclusive: return "inconclusive";
    }
    return "?";
}

namespace {
void add(Counts& c, Verdict v) {
    ++c.tests;
    if (v == Verdict::pass) ++c.passed;
    if (v == Verdict::fail) ++c.failed;
    if (v == Verdict::skip) ++c.skipped;
    if (v == Verdict::inconclusive) ++c.inconclusive;
}
}  // namespace

Counts RunReport::counts() const {
    Counts c;
    for (const auto& t : tests) add(c, t.verdict);
    return c;
}

Counts RunReport::counts(const std::string& group) const {
    Counts c;
    for (const auto& t : tests)
        if (t.group == group) add(c, t.verdict);
    return c;
}

const GroupRecord* RunReport::group(const std::string& name) const {
    for (const auto& g : groups)
        if (g.name == name) return &g;
    return nullptr;
}

std::string property_value(const std::vector<Property>& properties, const std::string& name) {
    for (const auto& p : properties)
        if (p.name == name) return p.value;
    return "";
}

int exit_code(const Counts& counts) {
    if (counts.failed > 0 || counts.inconclusive > 0) return 1;
    if (counts.tests > 0 && counts.skipped == counts.tests) return 4;
    return 0;
}

}  // namespace mvc
