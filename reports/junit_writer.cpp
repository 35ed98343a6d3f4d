// SPDX-License-Identifier: MIT
#include "junit_writer.hpp"
#include "report_file.hpp"

#include <tinyxml2.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <stdexcept>

namespace mvc {

namespace {

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", s < 0 ? 0.0 : s);
    return buf;
}

std::string timestamp(std::chrono::system_clock::time_point t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);  // Ant's pattern allows no zone
    return buf;
}

// The first line of a message, for the one-line message attribute; the whole text goes in the body.
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

std::string junit_xml(const RunReport& report) {
    tinyxml2::XMLDocument doc;
    doc.InsertFirstChild(doc.NewDeclaration());
    auto* suites = doc.NewElement("testsuites");
    doc.InsertEndChild(suites);
    int id = 0;
    for (const auto& group : report.groups) {
        const Counts c = report.counts(group.name);
        double group_seconds = 0;
        for (const auto& t : report.tests)
            if (t.group == group.name) group_seconds += t.seconds;
        auto* suite = suites->InsertNewChildElement("testsuite");
        suite->SetAttribute("name", group.name.c_str());
        suite->SetAttribute("package", group.name.c_str());
        suite->SetAttribute("id", id++);
        suite->SetAttribute("timestamp", timestamp(report.started).c_str());
        suite->SetAttribute("hostname", report.hostname.empty() ? "localhost" : report.hostname.c_str());
        suite->SetAttribute("tests", c.tests);
        suite->SetAttribute("failures", c.failed);
        suite->SetAttribute("errors", c.inconclusive);
        suite->SetAttribute("skipped", c.skipped);
        suite->SetAttribute("time", seconds_text(group_seconds).c_str());
        auto* props = suite->InsertNewChildElement("properties");
        // One name, one value: consumers merge repeated names. The producers keep run and group
        // names apart (parent_kind vs variant_parent); this is the guarantee if they ever meet.
        std::map<std::string, std::string> written;
        auto add_property = [&](const std::string& name, const std::string& value) {
            auto* e = props->InsertNewChildElement("property");
            e->SetAttribute("name", name.c_str());
            e->SetAttribute("value", value.c_str());
            written.emplace(name, value);
        };
        for (const auto& p : report.properties)
            if (!written.count(p.name)) add_property(p.name, p.value);
        for (const auto& p : group.properties) {
            auto it = written.find(p.name);
            if (it == written.end()) add_property(p.name, p.value);
            else if (it->second != p.value && !written.count("group." + p.name)) add_property("group." + p.name, p.value);
        }
        for (const auto& t : report.tests) {
            if (t.group != group.name) continue;
            auto* tc = suite->InsertNewChildElement("testcase");
            tc->SetAttribute("name", t.name.c_str());
            tc->SetAttribute("classname", group.name.c_str());
            tc->SetAttribute("time", seconds_text(t.seconds).c_str());
            if (t.verdict == Verdict::fail) {
                auto* f = tc->InsertNewChildElement("failure");
                f->SetAttribute("message", first_line(t.message).c_str());
                f->SetAttribute("type", t.cell ? "reachability mismatch" : "assertion");
                f->SetText(t.message.c_str());
            } else if (t.verdict == Verdict::inconclusive) {
                // An error, not a failure: the test could not tell, and says why.
                auto* e = tc->InsertNewChildElement("error");
                e->SetAttribute("message", first_line(t.message).c_str());
                e->SetAttribute("type", "inconclusive");
                e->SetText(t.message.c_str());
            } else if (t.verdict == Verdict::skip) {
                auto* s = tc->InsertNewChildElement("skipped");
                s->SetAttribute("message", first_line(t.message).c_str());
            }
        }
        suite->InsertNewChildElement("system-out");
        suite->InsertNewChildElement("system-err");
    }
    tinyxml2::XMLPrinter printer;
    doc.Print(&printer);
    return printer.CStr();
}

void write_junit(const RunReport& report, const std::filesystem::path& file) {
    write_report_file(file, junit_xml(report), "JUnit report");
}

}  // namespace mvc
