// SPDX-License-Identifier: MIT
// The merged table: several runs' reports (JSON or JUnit) side by side, one row per cell group.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>

#include "fixture_files.hpp"
#include "json_report.hpp"
#include "junit_writer.hpp"
#include "merged_table.hpp"

namespace mvc {
namespace {

using testing_support::TempFile;

TestRecord cell_test(const std::string& mode, const std::string& variant, const std::string& family, const std::string& from,
                     const std::string& to, Verdict verdict, const std::string& message = "") {
    const std::string group = "reachability." + mode + "." + variant;
    CellRecord cell{mode, variant, family, from, to, "reachable", verdict == Verdict::skip ? "" : "reachable", "why"};
    return {group + "." + family + "." + from + "_to_" + to, group, verdict, message, 0.001, cell};
}

TestRecord plain_test(const std::string& suite, const std::string& name, Verdict verdict, const std::string& message = "") {
    return {suite + "." + name, suite, verdict, message, 0.01, std::nullopt};
}

// One kernel's run: a plain matrix that passes, a dummy matrix that passes when the kernel has
// dummy and skips otherwise, and a non-cell suite.
RunReport kernel_run(const std::string& release, bool has_dummy, Verdict promisc = Verdict::pass) {
    RunReport r;
    r.hostname = "host-" + release;
    r.properties = {{"kernel_release", release}, {"distro", "Debian GNU/Linux 12 (bookworm)"}};
    r.groups = {{"Promisc", {}},
                {"reachability.vepa.plain", {{"mode", "vepa"}, {"variant", "plain"}}},
                {"reachability.vepa.dummy", {{"mode", "vepa"}, {"variant", "dummy"}}}};
    const std::string no_dummy = "needs dummy: RTM_NEWLINK kind 'dummy' returned EOPNOTSUPP";
    r.tests = {plain_test("Promisc", "FlagIsSeen", promisc, promisc == Verdict::fail ? "expected <on> & \"seen\"\nmore" : ""),
               plain_test("Promisc", "CounterRises", Verdict::pass)};
    for (const char* family : {"ipv4", "ipv6"}) {
        r.tests.push_back(cell_test("vepa", "plain", family, "c1", "c2", Verdict::pass));
        r.tests.push_back(cell_test("vepa", "plain", family, "host", "ext", Verdict::pass));
        r.tests.push_back(cell_test("vepa", "dummy", family, "c1", "host", has_dummy ? Verdict::pass : Verdict::skip,
                                    has_dummy ? "" : no_dummy));
    }
    return r;
}

class MergedTableTest : public ::testing::Test {
protected:
    std::filesystem::path json(const RunReport& r, const std::string& name) {
        files_.push_back(std::make_unique<TempFile>(name));
        write_json_report(r, files_.back()->path());
        return files_.back()->path();
    }
    std::filesystem::path junit(const RunReport& r, const std::string& name) {
        files_.push_back(std::make_unique<TempFile>(name));
        write_junit(r, files_.back()->path());
        return files_.back()->path();
    }
    std::filesystem::path text_file(const std::string& text, const std::string& name) {
        files_.push_back(std::make_unique<TempFile>(name));
        files_.back()->write(text);
        return files_.back()->path();
    }
    static const MergedRow& row(const MergedTable& t, const std::string& group, const std::string& family = "") {
        for (const auto& r : t.rows)
            if (r.group == group && r.family == family) return r;
        throw std::runtime_error("no row " + group + " " + family);
    }

private:
    std::vector<std::unique_ptr<TempFile>> files_;
};

TEST(CountsText, SaysPassOfTotalThenFailuresAndSkips) {
    EXPECT_EQ(counts_text({24, 24, 0, 0}), "24/24 pass");
    EXPECT_EQ(counts_text({12, 0, 0, 12}), "12 skip");
    EXPECT_EQ(counts_text({24, 20, 1, 3}), "20/24 pass, 1 fail, 3 skip");
    EXPECT_EQ(counts_text({2, 0, 2, 0}), "2 fail");
    EXPECT_EQ(counts_text({}), "-");
}

TEST_F(MergedTableTest, OneColumnPerRunOneRowPerGroupAndFamily) {
    const auto t = merge_reports({json(kernel_run("6.18.0", false), "a.json"), json(kernel_run("6.1.0", true), "b.json")});
    ASSERT_EQ(t.runs.size(), 2u);
    EXPECT_EQ(t.runs[0].label, "6.18.0");
    EXPECT_EQ(t.runs[1].label, "6.1.0");
    EXPECT_EQ(t.runs[1].format, "json");
    EXPECT_EQ(t.runs[1].distro, "Debian GNU/Linux 12 (bookworm)");
    EXPECT_EQ(t.runs[0].counts.skipped, 2);
    // Promisc, then vepa plain and dummy per family, in report order.
    ASSERT_EQ(t.rows.size(), 5u);
    EXPECT_EQ(t.rows[0].group, "Promisc");
    EXPECT_EQ(t.rows[0].suite, "Promisc");
    EXPECT_EQ(t.rows[0].mode, "");
    const auto& plain4 = row(t, "reachability.vepa.plain", "ipv4");
    EXPECT_EQ(plain4.suite, "reachability");
    EXPECT_EQ(plain4.mode, "vepa");
    EXPECT_EQ(plain4.variant, "plain");
    EXPECT_EQ(plain4.counts[0].passed, 2);
    EXPECT_EQ(plain4.counts[1].passed, 2);
}

// A topology whose name has a dot of its own: suite, topology and variant are still told apart,
// and the row names the topology (every mixed layout's cells say mode "mixed").
TEST_F(MergedTableTest, AMixedLayoutsRowNamesItsTopology) {
    RunReport r = kernel_run("6.18.0", false);
    r.groups.push_back({"reachability.mixed.bridge_vepa.hairpin", {{"mode", "mixed"}, {"variant", "hairpin"}}});
    r.groups.push_back({"broadcast.mixed.bridge_vepa.hairpin", {}});
    auto t = cell_test("mixed.bridge_vepa", "hairpin", "ipv4", "c1", "c2", Verdict::pass);
    t.cell->mode = "mixed";
    t.cell->topology = "mixed.bridge_vepa";
    r.tests.push_back(t);
    r.tests.push_back(plain_test("broadcast.mixed.bridge_vepa.hairpin", "broadcast.from_c1.to_c2", Verdict::pass));
    r.tests.push_back(plain_test("broadcast.mixed.bridge_vepa.hairpin", "multicast.from_c1.to_c2", Verdict::pass));
    const auto merged = merge_reports({json(r, "m.json")});
    const auto& mixed = row(merged, "reachability.mixed.bridge_vepa.hairpin", "ipv4");
    EXPECT_EQ(mixed.suite, "reachability");
    EXPECT_EQ(mixed.mode, "mixed.bridge_vepa");
    EXPECT_EQ(mixed.variant, "hairpin");
    EXPECT_EQ(row(merged, "broadcast.mixed.bridge_vepa.hairpin", "broadcast").counts[0].passed, 1);
    EXPECT_EQ(row(merged, "broadcast.mixed.bridge_vepa.hairpin", "multicast").counts[0].passed, 1);
}

TEST_F(MergedTableTest, MarksOnlyTheRowsWhereKernelsDiffer) {
    const auto t = merge_reports({json(kernel_run("6.18.0", false), "a.json"), json(kernel_run("6.1.0", true), "b.json")});
    EXPECT_EQ(t.differing_rows(), 2);
    for (const char* family : {"ipv4", "ipv6"}) {
        const auto& dummy = row(t, "reachability.vepa.dummy", family);
        EXPECT_TRUE(dummy.differs) << family;
        EXPECT_EQ(counts_text(dummy.counts[0]), "1 skip");
        EXPECT_EQ(counts_text(dummy.counts[1]), "1/1 pass");
        ASSERT_EQ(dummy.differing_tests.size(), 1u);
        EXPECT_EQ(dummy.differing_tests[0], std::string("reachability.vepa.dummy.") + family + ".c1_to_host");
        EXPECT_FALSE(row(t, "reachability.vepa.plain", family).differs);
    }
    EXPECT_FALSE(row(t, "Promisc").differs);
}

TEST_F(MergedTableTest, JUnitReadsLikeJsonOfTheSameRun) {
    const auto run = kernel_run("6.1.0", false, Verdict::fail);
    const auto t = merge_reports({json(run, "r.json"), junit(run, "r.xml")});
    EXPECT_EQ(t.runs[1].format, "junit");
    EXPECT_EQ(t.runs[1].kernel_release, "6.1.0");
    EXPECT_EQ(t.runs[1].hostname, "host-6.1.0");
    EXPECT_EQ(t.runs[1].distro, "Debian GNU/Linux 12 (bookworm)");
    EXPECT_EQ(t.rows.size(), 5u);
    EXPECT_EQ(t.differing_rows(), 0);
    for (const auto& r : t.rows) {
        EXPECT_EQ(counts_text(r.counts[0]), counts_text(r.counts[1])) << r.group << " " << r.family;
        EXPECT_EQ(r.mode, r.group == "Promisc" ? "" : "vepa");
    }
    EXPECT_EQ(row(t, "Promisc").counts[1].failed, 1);
    EXPECT_EQ(row(t, "Promisc").tests[1][0].message, "expected <on> & \"seen\"");  // the first line only
}

TEST_F(MergedTableTest, SameKernelTwiceIsNumberedAndTheLabelsStayApart) {
    const auto t = merge_reports({json(kernel_run("6.1.0", true), "a.json"), json(kernel_run("6.1.0", true), "b.json")});
    EXPECT_EQ(t.runs[0].label, "6.1.0 [1]");
    EXPECT_EQ(t.runs[1].label, "6.1.0 [2]");
    EXPECT_EQ(t.differing_rows(), 0);
    EXPECT_NE(merged_text(t).find("Every row has the same verdicts in every run."), std::string::npos);
}

TEST_F(MergedTableTest, ATestOneRunLacksIsADifference) {
    auto older = kernel_run("5.10.0", true);
    older.tests.erase(older.tests.begin() + 1);  // Promisc.CounterRises did not exist yet
    const auto t = merge_reports({json(older, "a.json"), json(kernel_run("6.1.0", true), "b.json")});
    const auto& promisc = row(t, "Promisc");
    EXPECT_TRUE(promisc.differs);
    ASSERT_EQ(promisc.differing_tests.size(), 1u);
    EXPECT_EQ(promisc.differing_tests[0], "Promisc.CounterRises");
    const auto text = merged_text(t);
    EXPECT_NE(text.find("Promisc.CounterRises: 5.10.0 not run, 6.1.0 pass"), std::string::npos) << text;
}

TEST_F(MergedTableTest, TextTableMarksDifferingRowsAndGivesTheReasons) {
    const auto t = merge_reports({json(kernel_run("6.18.0", false), "a.json"), json(kernel_run("6.1.0", true), "b.json")});
    const auto text = merged_text(t);
    EXPECT_NE(text.find("[1] 6.18.0: 8 tests, 6 passed, 0 failed, 2 skipped (exit 0)"), std::string::npos) << text;
    // The dummy rows carry the marker, the plain ones do not.
    std::istringstream lines(text);
    std::string line;
    int marked = 0;
    while (std::getline(lines, line)) {
        if (line.rfind("reachability", 0) != 0 || line.find('|') == std::string::npos) continue;
        const bool is_marked = line.size() >= 3 && line.substr(line.size() - 3) == "  *";
        EXPECT_EQ(is_marked, line.find("dummy") != std::string::npos) << line;
        marked += is_marked;
    }
    EXPECT_EQ(marked, 2);
    EXPECT_NE(text.find("1 skip: needs dummy: RTM_NEWLINK kind 'dummy' returned EOPNOTSUPP"), std::string::npos) << text;
    EXPECT_NE(text.find("all tests"), std::string::npos);
    EXPECT_NE(text.find("6/8 pass, 2 skip"), std::string::npos);
}

TEST_F(MergedTableTest, HtmlIsSelfContainedEscapedAndMarksDifferences) {
    const auto t = merge_reports({json(kernel_run("6.18.0", false, Verdict::fail), "a.json"), json(kernel_run("6.1.0", true), "b.json")});
    const auto html = merged_html(t);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    for (const char* external : {"http://", "https://", "<script", "<link", "src=", "url("}) EXPECT_EQ(html.find(external), std::string::npos) << external;
    EXPECT_NE(html.find("<th>6.18.0</th><th>6.1.0</th>"), std::string::npos);
    EXPECT_NE(html.find("class=\"differs\""), std::string::npos);
    EXPECT_NE(html.find("expected &lt;on&gt; &amp; &quot;seen&quot;"), std::string::npos);
    EXPECT_EQ(html.find("<on>"), std::string::npos);
    EXPECT_NE(html.find("Where the runs differ"), std::string::npos);
    EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST_F(MergedTableTest, UnreadableReportsNameTheFileAndTheProblem) {
    auto message_of = [](const std::filesystem::path& p) {
        try {
            merge_reports({p});
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const auto missing = std::filesystem::path("/nonexistent/report.json");
    EXPECT_NE(message_of(missing).find("/nonexistent/report.json: cannot open"), std::string::npos);
    const auto bad_json = text_file("{\"tests\": [", "bad.json");
    EXPECT_NE(message_of(bad_json).find(bad_json.string() + ": not valid JSON"), std::string::npos);
    const auto huge_number = text_file("{\"tests\": [], \"x\": 1E999}", "huge.json");  // nlohmann's out_of_range
    EXPECT_NE(message_of(huge_number).find(huge_number.string() + ": not valid JSON"), std::string::npos);
    const auto other_json = text_file("{\"format\": \"something/else\", \"tests\": []}", "other.json");
    EXPECT_NE(message_of(other_json).find("unknown report format"), std::string::npos);
    const auto bad_verdict = text_file(R"({"tests": [{"name": "A.b", "verdict": "maybe"}]})", "verdict.json");
    EXPECT_NE(message_of(bad_verdict).find("verdict 'maybe'"), std::string::npos);
    const auto not_junit = text_file("<html><body/></html>", "page.xml");
    EXPECT_NE(message_of(not_junit).find("not a JUnit report"), std::string::npos);
    const auto neither = text_file("hello", "hello.txt");
    EXPECT_NE(message_of(neither).find("neither a JSON report"), std::string::npos);
}

TEST_F(MergedTableTest, MergeRunsTakesReportsInMemory) {
    const auto t = merge_runs({{"host", kernel_run("6.18.0", false)}, {"qemu", kernel_run("6.1.0", true)}});
    EXPECT_EQ(t.runs[0].source, "host");
    EXPECT_EQ(t.differing_rows(), 2);
}

}  // namespace
}  // namespace mvc
