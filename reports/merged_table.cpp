#include "merged_table.hpp"
#include "report_file.hpp"

#include "html_escape.hpp"

#include <nlohmann/json.hpp>
#include <tinyxml2.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace mvc {

namespace {

std::runtime_error problem(const std::filesystem::path& file, const std::string& what) {
    return std::runtime_error(file.string() + ": " + what);
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::vector<std::string> split_dots(const std::string& s) {
    std::vector<std::string> parts;
    std::string::size_type start = 0;
    for (;;) {
        const auto dot = s.find('.', start);
        parts.push_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos) return parts;
        start = dot + 1;
    }
}

std::string property(const std::vector<Property>& properties, const std::string& name) {
    for (const auto& p : properties)
        if (p.name == name) return p.value;
    return "";
}

Verdict parse_verdict(const std::filesystem::path& file, const std::string& test, const std::string& text) {
    if (text == "pass") return Verdict::pass;
    if (text == "fail") return Verdict::fail;
    if (text == "skip") return Verdict::skip;
    throw problem(file, "test '" + test + "' has verdict '" + text + "' (expected pass, fail or skip)");
}

// --- Reading ---------------------------------------------------------------------------------

RunReport read_json(const std::filesystem::path& file, const std::string& text) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
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

RunReport read_junit(const std::filesystem::path& file, const std::string& text) {
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
    static const std::set<std::string> run_wide{"kernel_release", "kernel_version", "machine", "distro"};
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
                if (run_wide.count(prop.name) && property(report.properties, prop.name).empty())
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
                record.verdict = Verdict::fail;
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

struct Loaded {
    std::filesystem::path source;
    std::string format;
    RunReport report;
};

Loaded load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw problem(file, "cannot open the report");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    const auto first = text.find_first_not_of(" \t\r\n\xef\xbb\xbf");
    if (first == std::string::npos) throw problem(file, "the report is empty");
    if (text[first] == '{') return {file, "json", read_json(file, text)};
    if (text[first] == '<') return {file, "junit", read_junit(file, text)};
    throw problem(file, "neither a JSON report (--json) nor a JUnit report (--junit)");
}

// --- Merging ---------------------------------------------------------------------------------

// Where a test belongs: its group, plus the family (or frame kind) for matrix groups, whose
// names are <suite>.<mode>.<variant> and whose tests are named <group>.<family>.<...>.
struct RowKey {
    std::string group, family;
    bool operator<(const RowKey& o) const { return std::tie(group, family) < std::tie(o.group, o.family); }
};

RowKey row_key(const TestRecord& t) {
    if (t.cell && !t.cell->family.empty()) return {t.group, t.cell->family};
    if (split_dots(t.group).size() == 3 && t.name.rfind(t.group + ".", 0) == 0) {
        const auto rest = split_dots(t.name.substr(t.group.size() + 1));
        if (rest.size() > 1) return {t.group, rest.front()};
    }
    return {t.group, ""};
}

MergedTable merge_loaded(const std::vector<Loaded>& loaded) {
    MergedTable table;
    const std::size_t n = loaded.size();
    std::map<std::string, int> releases;
    for (const auto& l : loaded) {
        MergedRun run;
        run.source = l.source;
        run.format = l.format;
        run.kernel_release = property(l.report.properties, "kernel_release");
        run.kernel_version = property(l.report.properties, "kernel_version");
        run.distro = property(l.report.properties, "distro");
        run.hostname = l.report.hostname;
        run.counts = l.report.counts();
        ++releases[run.kernel_release];
        table.runs.push_back(std::move(run));
    }
    for (std::size_t i = 0; i < n; ++i) {
        auto& run = table.runs[i];
        run.label = run.kernel_release.empty() ? "unknown kernel" : run.kernel_release;
        if (releases[run.kernel_release] > 1) run.label += " [" + std::to_string(i + 1) + "]";
    }

    std::map<RowKey, std::size_t> row_of;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& report = loaded[i].report;
        for (const auto& t : report.tests) {
            const RowKey key = row_key(t);
            auto [it, inserted] = row_of.try_emplace(key, table.rows.size());
            if (inserted) {
                MergedRow row;
                row.group = key.group;
                row.family = key.family;
                row.tests.resize(n);
                row.counts.resize(n);
                const auto parts = split_dots(key.group);
                if (!key.family.empty() && parts.size() == 3) {
                    const GroupRecord* g = report.group(key.group);
                    auto from_group = [&](const char* name) { return g ? property(g->properties, name) : std::string(); };
                    row.suite = parts[0];
                    row.mode = t.cell && !t.cell->mode.empty() ? t.cell->mode : !from_group("mode").empty() ? from_group("mode") : parts[1];
                    row.variant = t.cell && !t.cell->variant.empty() ? t.cell->variant
                                  : !from_group("variant").empty() ? from_group("variant")
                                                                   : parts[2];
                } else {
                    row.suite = key.group;
                }
                table.rows.push_back(std::move(row));
            }
            auto& row = table.rows[it->second];
            row.tests[i].push_back({t.name, t.verdict, first_line(t.message)});
            auto& c = row.counts[i];
            ++c.tests;
            if (t.verdict == Verdict::pass) ++c.passed;
            if (t.verdict == Verdict::fail) ++c.failed;
            if (t.verdict == Verdict::skip) ++c.skipped;
        }
    }

    // A test differs when some run has another verdict for it, or does not have it at all.
    for (auto& row : table.rows) {
        std::vector<std::string> order;
        std::map<std::string, std::vector<std::optional<Verdict>>> verdicts;
        for (std::size_t i = 0; i < n; ++i)
            for (const auto& t : row.tests[i]) {
                auto [it, inserted] = verdicts.try_emplace(t.name, std::vector<std::optional<Verdict>>(n));
                if (inserted) order.push_back(t.name);
                it->second[i] = t.verdict;
            }
        for (const auto& name : order) {
            const auto& v = verdicts[name];
            if (std::adjacent_find(v.begin(), v.end(), std::not_equal_to<>()) != v.end()) row.differing_tests.push_back(name);
        }
        row.differs = !row.differing_tests.empty();
    }
    return table;
}

// --- Rendering -------------------------------------------------------------------------------

std::string row_title(const MergedRow& row) {
    if (row.mode.empty()) return row.group;
    return row.suite + " " + row.mode + " " + row.variant + " " + row.family;
}

// What one run saw of a set of tests: "12 skip: needs dummy: ...", "1 fail: expected ...", by
// verdict and message, most frequent first.
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
    if (c.skipped == c.tests) return "skip";
    if (c.passed == c.tests) return "pass";
    return "partial";
}

int row_size(const MergedRow& row) {
    int size = 0;
    for (const auto& c : row.counts) size = std::max(size, c.tests);
    return size;
}

// The differing tests are named one by one when they are few and either only part of their row
// or failures; a row that differs as a whole (a feature present on one kernel only) is summarised.
bool list_test_names(const MergedRow& row) {
    if (row.differing_tests.size() > 8) return false;
    if (static_cast<int>(row.differing_tests.size()) < row_size(row)) return true;
    return std::any_of(row.tests.begin(), row.tests.end(), [](const std::vector<MergedTest>& tests) {
        return std::any_of(tests.begin(), tests.end(), [](const MergedTest& t) { return t.verdict == Verdict::fail; });
    });
}

void write_file(const std::string& text, const std::filesystem::path& file, const char* what) {
    write_report_file(file, text, std::string("merged ") + what);
}

}  // namespace

int MergedTable::differing_rows() const {
    return static_cast<int>(std::count_if(rows.begin(), rows.end(), [](const MergedRow& r) { return r.differs; }));
}

MergedTable merge_reports(const std::vector<std::filesystem::path>& reports) {
    std::vector<Loaded> loaded;
    for (const auto& file : reports) loaded.push_back(load(file));
    return merge_loaded(loaded);
}

MergedTable merge_runs(const std::vector<std::pair<std::filesystem::path, RunReport>>& reports) {
    std::vector<Loaded> loaded;
    for (const auto& [source, report] : reports) loaded.push_back({source, "report", report});
    return merge_loaded(loaded);
}

std::string counts_text(const Counts& c) {
    if (c.tests == 0) return "-";
    std::vector<std::string> parts;
    if (c.passed) parts.push_back(std::to_string(c.passed) + "/" + std::to_string(c.tests) + " pass");
    if (c.failed) parts.push_back(std::to_string(c.failed) + " fail");
    if (c.skipped) parts.push_back(std::to_string(c.skipped) + " skip");
    std::string text;
    for (const auto& p : parts) text += (text.empty() ? "" : ", ") + p;
    return text;
}

std::string merged_text(const MergedTable& table) {
    std::ostringstream out;
    const std::size_t n = table.runs.size();
    out << "macvlan-conformance: " << n << " run" << (n == 1 ? "" : "s") << " side by side\n\n";
    for (std::size_t i = 0; i < n; ++i) {
        const auto& r = table.runs[i];
        out << "  [" << i + 1 << "] " << r.label << ": " << r.counts.tests << " tests, " << r.counts.passed << " passed, "
            << r.counts.failed << " failed, " << r.counts.skipped << " skipped (exit " << exit_code(r.counts) << ")";
        if (!r.distro.empty()) out << "; " << r.distro;
        if (!r.hostname.empty()) out << "; host " << r.hostname;
        out << "; " << r.source.string() << "\n";
    }
    out << "\n";

    std::vector<std::string> headers{"suite", "mode", "variant", "family"};
    for (const auto& r : table.runs) headers.push_back(r.label);
    std::vector<std::vector<std::string>> lines;
    for (const auto& row : table.rows) {
        std::vector<std::string> line{row.suite, row.mode, row.variant, row.family};
        for (const auto& c : row.counts) line.push_back(counts_text(c));
        lines.push_back(std::move(line));
    }
    std::vector<std::string> total{"all tests", "", "", ""};
    for (const auto& r : table.runs) total.push_back(counts_text(r.counts));
    std::vector<std::size_t> width(headers.size());
    for (std::size_t k = 0; k < headers.size(); ++k) {
        width[k] = std::max(headers[k].size(), total[k].size());
        for (const auto& line : lines) width[k] = std::max(width[k], line[k].size());
    }
    auto print = [&](const std::vector<std::string>& line, bool differs) {
        std::string text;
        for (std::size_t k = 0; k < line.size(); ++k) {
            text += (k == 4 ? " | " : k ? "  " : "") + line[k];
            if (k + 1 < line.size()) text += std::string(width[k] - line[k].size(), ' ');
        }
        if (differs) text += std::string(width.back() - line.back().size(), ' ') + "  *";
        out << text << "\n";
    };
    print(headers, false);
    std::size_t rule = 0;
    for (auto w : width) rule += w + 2;
    out << std::string(rule + 1, '-') << "\n";
    for (std::size_t i = 0; i < lines.size(); ++i) print(lines[i], table.rows[i].differs);
    out << std::string(rule + 1, '-') << "\n";
    print(total, false);

    const int differing = table.differing_rows();
    if (n < 2) return out.str();
    if (differing == 0) {
        out << "\nEvery row has the same verdicts in every run.\n";
        return out.str();
    }
    out << "\n* " << differing << " row" << (differing == 1 ? "" : "s")
        << " where the runs differ (a verdict, or a test one run does not have):\n";
    for (const auto& row : table.rows) {
        if (!row.differs) continue;
        const std::set<std::string> only(row.differing_tests.begin(), row.differing_tests.end());
        out << "\n" << row_title(row) << ": " << row.differing_tests.size() << " of " << row_size(row) << " tests differ\n";
        if (list_test_names(row)) {
            for (const auto& name : row.differing_tests) {
                out << "  " << name << ":";
                for (std::size_t i = 0; i < n; ++i) out << (i ? ", " : " ") << table.runs[i].label << " " << verdict_or_absent(row.tests[i], name);
                out << "\n";
            }
        }
        for (std::size_t i = 0; i < n; ++i)
            for (const auto& line : outcome_lines(row.tests[i], &only)) out << "  " << table.runs[i].label << ": " << line << "\n";
    }
    return out.str();
}

std::string merged_html(const MergedTable& table) {
    std::ostringstream out;
    const std::size_t n = table.runs.size();
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>macvlan-conformance across kernels</title><style>\n"
        << "body { font-family: sans-serif; margin: 1.5em; color: #222; }\n"
        << "table { border-collapse: collapse; margin: 0.4em 0 1.2em 0; }\n"
        << "th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }\n"
        << "th { background: #eee; }\n"
        << "td.pass { background: #c8ecc9; } td.fail { background: #f6b8b8; font-weight: bold; }\n"
        << "td.skip { background: #e4e4e4; color: #555; } td.partial { background: #e3f1d4; }\n"
        << "td.absent { background: #fff; color: #999; }\n"
        << "tr.differs td.mark { background: #ffe08a; font-weight: bold; text-align: center; }\n"
        << "tr.differs td.group { border-left: 4px solid #e0a800; }\n"
        << "tr.total td { font-weight: bold; border-top: 2px solid #888; }\n"
        << ".legend span { padding: 0.1em 0.5em; margin-right: 0.5em; }\n"
        << "ul { margin: 0.2em 0 0.8em 0; } code { font-size: 0.95em; }\n"
        << "</style></head><body>\n<h1>macvlan-conformance across kernels</h1>\n";
    out << "<p>" << n << " run" << (n == 1 ? "" : "s") << "; " << table.differing_rows() << " of " << table.rows.size()
        << " rows differ between them.</p>\n";
    out << "<h2>Runs</h2>\n<table><tr><th>#</th><th>kernel</th><th>version</th><th>distro</th><th>host</th><th>tests</th>"
           "<th>passed</th><th>failed</th><th>skipped</th><th>exit</th><th>report</th></tr>\n";
    for (std::size_t i = 0; i < n; ++i) {
        const auto& r = table.runs[i];
        out << "<tr><td>" << i + 1 << "</td><td>" << escape_html(r.label) << "</td><td>" << escape_html(r.kernel_version) << "</td><td>"
            << escape_html(r.distro) << "</td><td>" << escape_html(r.hostname) << "</td><td>" << r.counts.tests << "</td><td>"
            << r.counts.passed << "</td><td" << (r.counts.failed ? " class=\"fail\"" : "") << ">" << r.counts.failed << "</td><td>"
            << r.counts.skipped << "</td><td>" << exit_code(r.counts) << "</td><td><code>" << escape_html(r.source.string())
            << "</code></td></tr>\n";
    }
    out << "</table>\n";
    out << "<h2>Results</h2>\n<p class=\"legend\"><span style=\"background:#c8ecc9\">all passed</span>"
        << "<span style=\"background:#e3f1d4\">passed, some skipped</span><span style=\"background:#e4e4e4\">all skipped</span>"
        << "<span style=\"background:#f6b8b8\">a failure</span><span style=\"background:#ffe08a\">&ne; the runs differ</span>"
        << " Hover over a cell for the skip and failure reasons.</p>\n";
    out << "<table><tr><th>suite</th><th>mode</th><th>variant</th><th>family</th>";
    for (const auto& r : table.runs) out << "<th>" << escape_html(r.label) << "</th>";
    out << "<th>&ne;</th></tr>\n";
    for (const auto& row : table.rows) {
        out << "<tr" << (row.differs ? " class=\"differs\"" : "") << "><td class=\"group\">" << escape_html(row.suite) << "</td><td>"
            << escape_html(row.mode) << "</td><td>" << escape_html(row.variant) << "</td><td>" << escape_html(row.family) << "</td>";
        for (std::size_t i = 0; i < n; ++i) {
            std::string hover = row.group + (row.family.empty() ? "" : " " + row.family);
            for (const auto& line : outcome_lines(row.tests[i], nullptr)) hover += "\n" + line;
            out << "<td class=\"" << cell_class(row.counts[i]) << "\" title=\"" << escape_html(hover) << "\">"
                << escape_html(counts_text(row.counts[i])) << "</td>";
        }
        out << "<td class=\"mark\">" << (row.differs ? "&ne;" : "") << "</td></tr>\n";
    }
    out << "<tr class=\"total\"><td>all tests</td><td></td><td></td><td></td>";
    for (const auto& r : table.runs) out << "<td class=\"" << cell_class(r.counts) << "\">" << escape_html(counts_text(r.counts)) << "</td>";
    out << "<td></td></tr>\n</table>\n";

    if (table.differing_rows() > 0) {
        out << "<h2>Where the runs differ</h2>\n";
        for (const auto& row : table.rows) {
            if (!row.differs) continue;
            const std::set<std::string> only(row.differing_tests.begin(), row.differing_tests.end());
            out << "<h3>" << escape_html(row_title(row)) << " &mdash; " << row.differing_tests.size() << " test"
                << (row.differing_tests.size() == 1 ? "" : "s") << " differ</h3>\n<ul>\n";
            for (std::size_t i = 0; i < n; ++i)
                for (const auto& line : outcome_lines(row.tests[i], &only))
                    out << "<li><b>" << escape_html(table.runs[i].label) << "</b>: " << escape_html(line) << "</li>\n";
            out << "</ul>\n";
            if (list_test_names(row)) {
                out << "<table><tr><th>test</th>";
                for (const auto& r : table.runs) out << "<th>" << escape_html(r.label) << "</th>";
                out << "</tr>\n";
                for (const auto& name : row.differing_tests) {
                    out << "<tr><td><code>" << escape_html(name) << "</code></td>";
                    for (std::size_t i = 0; i < n; ++i) {
                        const std::string v = verdict_or_absent(row.tests[i], name);
                        out << "<td class=\"" << (v == "not run" ? "absent" : v) << "\">" << escape_html(v) << "</td>";
                    }
                    out << "</tr>\n";
                }
                out << "</table>\n";
            }
        }
    }
    out << "</body></html>\n";
    return out.str();
}

void write_merged_text(const MergedTable& table, const std::filesystem::path& file) { write_file(merged_text(table), file, "table"); }
void write_merged_html(const MergedTable& table, const std::filesystem::path& file) { write_file(merged_html(table), file, "HTML"); }

}  // namespace mvc
