// SPDX-License-Identifier: MIT
#include "report_collector.hpp"

#include <algorithm>

#include "kernel_log_watch.hpp"

namespace mvc {

namespace {
std::string strip_lead(std::string text) {
    for (const char* lead : {"Failed\n", "Skipped\n", "Failed", "Skipped"})
        if (text.rfind(lead, 0) == 0) return text.substr(std::string(lead).size());
    return text;
}
}  // namespace

bool has_property(const ::testing::TestResult& result, const char* key) {
    for (int i = 0; i < result.test_property_count(); ++i)
        if (std::string(result.GetTestProperty(i).key()) == key) return true;
    return false;
}

std::optional<std::string> inconclusive_reason(const ::testing::TestResult& result) {
    for (int i = 0; i < result.test_property_count(); ++i)
        if (std::string(result.GetTestProperty(i).key()) == kInconclusiveProperty) return std::string(result.GetTestProperty(i).value());
    return std::nullopt;
}

std::string outcome_message(const ::testing::TestResult& result) {
    std::string out;
    for (int i = 0; i < result.total_part_count(); ++i) {
        const auto& part = result.GetTestPartResult(i);
        if (part.type() == ::testing::TestPartResult::kSuccess) continue;
        if (!out.empty()) out += "\n";
        out += strip_lead(part.message());
    }
    return out;
}

void ReportCollector::describe_group(const std::string& group, std::vector<Property> properties) {
    group_properties_[group] = std::move(properties);
}

void ReportCollector::attach_cell(const std::string& test, CellRecord cell) { cells_[test] = std::move(cell); }

void ReportCollector::set_seconds(const std::string& test, double seconds) { seconds_[test] = seconds; }

void ReportCollector::OnTestIterationStart(const ::testing::UnitTest&, int iteration) { iteration_ = iteration; }

void ReportCollector::OnTestEnd(const ::testing::TestInfo& info) {
    const std::string name = std::string(info.test_suite_name()) + "." + info.name();
    const auto* result = info.result();
    TestRecord t;
    // Repeated runs keep every iteration's verdict: a flaky cell must not hide behind a later pass.
    t.name = iteration_ == 0 ? name : name + "#" + std::to_string(iteration_ + 1);
    t.group = info.test_suite_name();
    t.verdict = result->Skipped() ? Verdict::skip : result->Failed() ? Verdict::fail : Verdict::pass;
    if (result->Failed() && inconclusive_reason(*result) && !has_property(*result, kKernelSplatProperty))
        t.verdict = Verdict::inconclusive;
    t.message = outcome_message(*result);
    auto s = seconds_.find(name);
    t.seconds = s != seconds_.end() ? s->second : static_cast<double>(result->elapsed_time()) / 1000.0;
    if (auto c = cells_.find(name); c != cells_.end()) t.cell = c->second;
    if (!report_.group(t.group)) {
        GroupRecord g{t.group, {}};
        if (auto p = group_properties_.find(t.group); p != group_properties_.end()) g.properties = p->second;
        report_.groups.push_back(std::move(g));
    }
    // What a test observed and reports without asserting (RecordProperty) becomes a property of its
    // group: JUnit allows properties only on test suites.
    auto& group = *std::find_if(report_.groups.begin(), report_.groups.end(), [&](const GroupRecord& g) { return g.name == t.group; });
    for (int i = 0; i < result->test_property_count(); ++i) {
        const auto& p = result->GetTestProperty(i);
        if (std::string(p.key()) == kInconclusiveProperty || std::string(p.key()) == kKernelSplatProperty)
            continue;  // the verdict and the message say it
        group.properties.push_back({std::string(info.name()) + "." + p.key(), p.value()});
    }
    report_.tests.push_back(std::move(t));
    cells_.erase(name);
    seconds_.erase(name);
}

}  // namespace mvc
