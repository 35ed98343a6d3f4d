// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>
#include <tinyxml2.h>

#include <string>

#include "html_report.hpp"
#include "json_report.hpp"
#include "junit_writer.hpp"
#include "matrix_grid.hpp"
#include "sample_report.hpp"

namespace mvc {
namespace {

using testing_support::sample_report;

TEST(ExitCode, FollowsKselftest) {
    EXPECT_EQ(exit_code({3, 3, 0, 0}), 0);
    EXPECT_EQ(exit_code({3, 2, 0, 1}), 0);  // skips alongside passes are fine
    EXPECT_EQ(exit_code({3, 1, 1, 1}), 1);
    EXPECT_EQ(exit_code({3, 0, 0, 3}), 4);  // everything skipped
}

class JUnit : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(doc_.Parse(junit_xml(sample_report()).c_str()), tinyxml2::XML_SUCCESS); }
    tinyxml2::XMLDocument doc_;
};

TEST_F(JUnit, RootCarriesNoAttributesBecauseAntAllowsNone) {
    const auto* root = doc_.RootElement();
    EXPECT_STREQ(root->Name(), "testsuites");
    EXPECT_EQ(root->FirstAttribute(), nullptr);
}

TEST_F(JUnit, OneSuitePerGroupWithCountsAndTheAttributesAntRequires) {
    const auto* suite = doc_.RootElement()->FirstChildElement("testsuite");
    ASSERT_NE(suite, nullptr);
    EXPECT_STREQ(suite->Attribute("name"), "reachability.vepa.hairpin");
    EXPECT_STREQ(suite->Attribute("package"), "reachability.vepa.hairpin");
    EXPECT_STREQ(suite->Attribute("id"), "0");
    EXPECT_STREQ(suite->Attribute("hostname"), "testhost");
    EXPECT_EQ(std::string(suite->Attribute("timestamp")).size(), 19u);  // YYYY-MM-DDTHH:MM:SS, no zone
    EXPECT_STREQ(suite->Attribute("tests"), "2");
    EXPECT_STREQ(suite->Attribute("failures"), "1");
    EXPECT_STREQ(suite->Attribute("skipped"), "0");
    EXPECT_STREQ(suite->FirstChildElement()->Name(), "properties");  // Ant's sequence: properties first
    EXPECT_STREQ(suite->LastChildElement()->Name(), "system-err");
    const auto* second = suite->NextSiblingElement("testsuite");
    ASSERT_NE(second, nullptr);
    EXPECT_STREQ(second->Attribute("skipped"), "1");
}

TEST_F(JUnit, PropertiesIncludeRunAndGroupFacts) {
    const auto* props = doc_.RootElement()->FirstChildElement("testsuite")->FirstChildElement("properties");
    std::map<std::string, std::string> seen;
    for (const auto* p = props->FirstChildElement("property"); p; p = p->NextSiblingElement("property"))
        seen[p->Attribute("name")] = p->Attribute("value");
    EXPECT_EQ(seen["kernel_release"], "6.1.0-test");
    EXPECT_EQ(seen["machine"], "x86_64");
    EXPECT_EQ(seen["parent_kind"], "veth");
    EXPECT_EQ(seen["variant_parent"], "veth");
    EXPECT_EQ(seen["mode"], "vepa");
    EXPECT_EQ(seen["variant"], "hairpin");
}

// Consumers merge repeated property names into one value ("veth, dummy"): every name appears once
// per <testsuite>. A group property that repeats a run property with the same value is said once;
// one with another value keeps its own name under "group." so neither is lost.
TEST_F(JUnit, EveryPropertyNameAppearsOncePerTestsuite) {
    for (const auto* suite = doc_.RootElement()->FirstChildElement("testsuite"); suite; suite = suite->NextSiblingElement("testsuite")) {
        std::map<std::string, std::string> seen;
        for (const auto* p = suite->FirstChildElement("properties")->FirstChildElement("property"); p; p = p->NextSiblingElement("property"))
            EXPECT_TRUE(seen.emplace(p->Attribute("name"), p->Attribute("value")).second)
                << suite->Attribute("name") << " lists " << p->Attribute("name") << " twice";
        if (std::string(suite->Attribute("name")) == "reachability.bridge.dummy") {
            EXPECT_EQ(seen["machine"], "x86_64");
            EXPECT_EQ(seen["kernel_release"], "6.1.0-test");
            EXPECT_EQ(seen["group.kernel_release"], "other");
        }
    }
}

TEST_F(JUnit, FailureStatesExpectedObservedAndReason) {
    const auto* suite = doc_.RootElement()->FirstChildElement("testsuite");
    const auto* failed = suite->FirstChildElement("testcase")->NextSiblingElement("testcase");
    EXPECT_STREQ(failed->Attribute("name"), "reachability.vepa.hairpin.ipv6.c1_to_host");
    const auto* failure = failed->FirstChildElement("failure");
    ASSERT_NE(failure, nullptr);
    EXPECT_STREQ(failure->Attribute("message"), "expected blocked, observed reachable");
    EXPECT_NE(failure->Attribute("type"), nullptr);  // Ant requires it
    EXPECT_NE(std::string(failure->GetText()).find("VEPA <sends> & \"reflects\""), std::string::npos);
}

TEST_F(JUnit, SkippedCarriesItsReason) {
    const auto* second = doc_.RootElement()->FirstChildElement("testsuite")->NextSiblingElement("testsuite");
    const auto* skipped = second->FirstChildElement("testcase")->FirstChildElement("skipped");
    ASSERT_NE(skipped, nullptr);
    EXPECT_STREQ(skipped->Attribute("message"), "needs dummy: RTM_NEWLINK kind 'dummy' returned EOPNOTSUPP");
}

TEST(JsonReport, CellsCarryTheDocumentedFields) {
    const auto j = json_report(sample_report());
    ASSERT_EQ(j["cells"].size(), 3u);
    for (const auto& c : j["cells"])
        for (const char* key : {"mode", "variant", "family", "from", "to", "expected", "observed", "verdict", "reason"})
            EXPECT_TRUE(c.contains(key)) << key;
    EXPECT_EQ(j["cells"][1]["verdict"], "fail");
    EXPECT_EQ(j["cells"][1]["observed"], "reachable");
    EXPECT_EQ(j["cells"][2]["verdict"], "skip");
    EXPECT_EQ(j["cells"][2]["reason"], "needs dummy: RTM_NEWLINK kind 'dummy' returned EOPNOTSUPP");
    EXPECT_EQ(j["summary"]["failed"], 1);
    EXPECT_EQ(j["summary"]["exit_code"], 1);
    EXPECT_EQ(j["properties"]["kernel_release"], "6.1.0-test");
}

TEST(DifferenceGrid, MarksOnlyTheDifferingCell) {
    auto r = sample_report();
    std::vector<TestRecord> matrix{r.tests[0], r.tests[1]};
    const auto grid = difference_grid(matrix);
    EXPECT_NE(grid.find("!reach (block)"), std::string::npos) << grid;
    EXPECT_NE(grid.find("from \\ to"), std::string::npos);
    matrix.pop_back();
    EXPECT_EQ(difference_grid(matrix), "");  // nothing failed, nothing printed
}


// A 66-endpoint matrix: summarised by kind of endpoint, the full grid folded below, and the one
// failing cell findable in both and in the list of failed cells.
TEST(HtmlReport, ALargeMatrixIsSummarisedAndItsFailingCellStaysFindable) {
    RunReport r;
    r.groups.push_back({"reachability.scale.hairpin", {}});
    std::vector<std::string> endpoints{"host", "ext"};
    for (int i = 1; i <= 64; ++i) endpoints.push_back("c" + std::to_string(i));
    auto mode_of = [](const std::string& e) -> std::optional<std::string> {
        if (e == "host" || e == "ext") return std::nullopt;
        return std::stoi(e.substr(1)) % 2 ? "bridge" : "vepa";
    };
    for (const auto& from : endpoints)
        for (const auto& to : endpoints) {
            if (from == to) continue;
            TestRecord t;
            t.name = "reachability.scale.hairpin.ipv4." + from + "_to_" + to;
            t.group = "reachability.scale.hairpin";
            t.verdict = Verdict::pass;
            CellRecord c;
            c.mode = "mixed";
            c.variant = "hairpin";
            c.family = "ipv4";
            c.from = from;
            c.to = to;
            c.expected = c.observed = "reachable";
            c.reason = "because";
            c.from_mode = mode_of(from);
            c.to_mode = mode_of(to);
            if (from == "c7" && to == "c8") {
                c.observed = "blocked";
                t.verdict = Verdict::fail;
                t.message = "expected reachable, observed blocked";
            }
            t.cell = c;
            r.tests.push_back(t);
        }
    const auto html = html_report(r);
    EXPECT_NE(html.find("<th>bridge slaves</th>"), std::string::npos) << "rows and columns by kind";
    EXPECT_NE(html.find("1 of 1024 failed"), std::string::npos) << "bridge to vepa: 32 x 32 pairs, one failed";
    EXPECT_NE(html.find("every cell (66 &times; 66"), std::string::npos) << "the full grid is folded below";
    EXPECT_NE(html.find("title=\"reachability.scale.hairpin.ipv4.c7_to_c8\n"), std::string::npos) << "named on hover";
    EXPECT_NE(html.find("<td>reachability.scale.hairpin.ipv4.c7_to_c8</td>"), std::string::npos) << "and in the failed list";
}

}  // namespace
}  // namespace mvc
