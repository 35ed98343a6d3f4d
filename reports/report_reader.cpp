// SPDX-License-Identifier: MIT
#include "report_reader.hpp"

#include <nlohmann/json.hpp>
#include <tinyxml2.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace mvc {

namespace {

std::runtime_error problem(const std::filesystem::path& file, const std::string& what) {
    return std::runtime_error(file.string() + ": " + what);
}

Verdict parse_verdict(const std::filesystem::path& file, const std::string& test, const std::string& text) {
    if (text == "pass") return Verdict::pass;
    if (text == "fail") return Verdict::fail;
    if (text == "skip") return Verdict::skip;
    if (text == "inconclusive") return Verdict::inconclusive;
    throw problem(file, "test '" + test + "' has verdict '" + text + "' (expected pass, fail, skip or inconclusive)");
}

}  // namespace

RunReport parse_json_report(const std::string& text, const std::filesystem::path& file) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for a number too large for a double
        throw problem(file, std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object()) throw problem(file, "not a macvlan-conformance JSON report (the top level is not an object)");
    if (j.contains("format") && (!j["format"].is_string() || j["format"].get<std::string>().rfind("macvlan-conformance/report/", 0) != 0))
        throw problem(file, "unknown report format " + j["format"].dump() + " (expected macvlan-conformance/report/1)");
    if (!j.contains("tests") || !j["tests"].is_array())
        throw problem(file, "not a macvlan-conformance JSON report (no \"tests\" array)");
    RunReport report;
    report.hostname = "";  // the JSON report does not carry it
    if (j.contains("properties") && j["properties"].is_object())
        for (const auto& [name, value] : j["properties"].items())
            report.properties.push_back({name, value.is_string() ? value.get<std::string>() : value.dump()});
    std::map<std::string, CellRecord> cells;
    if (j.contains("cells") && j["cells"].is_array())
        for (const auto& c : j["cells"]) {
            if (!c.is_object() || !c.contains("name") || !c["name"].is_string()) continue;
            CellRecord cell;
            auto get = [&](const char* key) { return c.contains(key) && c[key].is_string() ? c[key].get<std::string>() : std::string(); };
            cell.mode = get("mode");
            cell.variant = get("variant");
            cell.family = get("family");
            cell.from = get("from");
            cell.to = get("to");
            cells[c["name"].get<std::string>()] = cell;
        }
    std::size_t index = 0;
    for (const auto& t : j["tests"]) {
        const std::string where = "tests[" + std::to_string(index++) + "]";
        if (!t.is_object() || !t.contains("name") || !t["name"].is_string() || !t.contains("verdict") || !t["verdict"].is_string())
            throw problem(file, where + " lacks a string \"name\" or \"verdict\"");
        TestRecord record;
        record.name = t["name"].get<std::string>();
        record.group = t.contains("group") && t["group"].is_string() ? t["group"].get<std::string>()
                                                                      : record.name.substr(0, record.name.find('.'));
        record.verdict = parse_verdict(file, record.name, t["verdict"].get<std::string>());
        if (t.contains("message") && t["message"].is_string()) record.message = t["message"].get<std::string>();
        if (auto it = cells.find(record.name); it != cells.end()) record.cell = it->second;
        report.tests.push_back(std::move(record));
    }
    return report;
}

RunReport parse_junit_report(const std::string& text, const std::filesystem::path& file) {
    tinyxml2::XMLDocument doc;
    if (doc.Parse(text.c_str(), text.size()) != tinyxml2::XML_SUCCESS)
        throw problem(file, std::string("not valid XML: ") + (doc.ErrorStr() ? doc.ErrorStr() : "parse error"));
    const auto* root = doc.RootElement();
    if (!root || (std::string(root->Name()) != "testsuites" && std::string(root->Name()) != "testsuite"))
        throw problem(file, "not a JUnit report (the root element is not <testsuites> or <testsuite>)");
    std::vector<const tinyxml2::XMLElement*> suites;
    if (std::string(root->Name()) == "testsuite") suites.push_back(root);
    for (const auto* s = root->FirstChildElement("testsuite"); s; s = s->NextSiblingElement("testsuite")) suites.push_back(s);
    RunReport report;
    report.hostname = "";
    static const std::set<std::string> run_wide{property_names::kKernelRelease, property_names::kKernelVersion,
                                                property_names::kMachine, property_names::kDistro};
    for (const auto* s : suites) {
        const char* suite_name = s->Attribute("name");
        GroupRecord group{suite_name ? suite_name : "", {}};
        if (report.hostname.empty() && s->Attribute("hostname")) report.hostname = s->Attribute("hostname");
        if (const auto* props = s->FirstChildElement("properties"))
            for (const auto* p = props->FirstChildElement("property"); p; p = p->NextSiblingElement("property")) {
                const char* name = p->Attribute("name");
                const char* value = p->Attribute("value");
                if (!name) continue;
                const Property prop{name, value ? value : ""};
                group.properties.push_back(prop);
                if (run_wide.count(prop.name) && property_value(report.properties, prop.name).empty())
                    report.properties.push_back(prop);
            }
        for (const auto* tc = s->FirstChildElement("testcase"); tc; tc = tc->NextSiblingElement("testcase")) {
            TestRecord record;
            record.name = tc->Attribute("name") ? tc->Attribute("name") : "";
            if (record.name.empty()) throw problem(file, "a <testcase> in testsuite '" + group.name + "' has no name");
            const char* classname = tc->Attribute("classname");
            record.group = !group.name.empty() ? group.name : classname ? classname : record.name.substr(0, record.name.find('.'));
            auto message_of = [](const tinyxml2::XMLElement* e) {
                if (const char* m = e->Attribute("message")) return std::string(m);
                return std::string(e->GetText() ? e->GetText() : "");
            };
            if (const auto* f = tc->FirstChildElement("failure")) {
                record.verdict = Verdict::fail;
                record.message = message_of(f);
            } else if (const auto* e = tc->FirstChildElement("error")) {
                record.verdict = Verdict::inconclusive;  // JUnit's error: the test could not tell
                record.message = message_of(e);
            } else if (const auto* sk = tc->FirstChildElement("skipped")) {
                record.verdict = Verdict::skip;
                record.message = message_of(sk);
            }
            report.tests.push_back(std::move(record));
        }
        report.groups.push_back(std::move(group));
    }
    return report;
}

ReadReport read_report_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw problem(file, "cannot open the report");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    const auto first = text.find_first_not_of(" \t\r\n\xef\xbb\xbf");
    if (first == std::string::npos) throw problem(file, "the report is empty");
    if (text[first] == '{') return {file, "json", parse_json_report(text, file)};
    if (text[first] == '<') return {file, "junit", parse_junit_report(text, file)};
    throw problem(file, "neither a JSON report (--json) nor a JUnit report (--junit)");
}

}  // namespace mvc
