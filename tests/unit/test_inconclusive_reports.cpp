// SPDX-License-Identifier: MIT
// An inconclusive cell (its silence proves nothing: controls or its own frames lost) in every
// report: never a pass, never a failure, always the reason.
#include <gtest/gtest.h>
#include <tinyxml2.h>

#include "html_report.hpp"
#include "json_report.hpp"
#include "junit_writer.hpp"
#include "ktap_writer.hpp"
#include "matrix_grid.hpp"
#include "report_reader.hpp"
#include "sample_report.hpp"

namespace mvc {
namespace {

RunReport with_inconclusive_cell() {
    auto r = testing_support::sample_report();
    CellRecord cell{"vepa", "hairpin", "ipv4", "c2", "c1", "reachable", "blocked", "hairpin reflects"};
    r.tests.push_back({"reachability.vepa.hairpin.ipv4.c2_to_c1", "reachability.vepa.hairpin", Verdict::inconclusive,
                       "inconclusive: saw no reply, but that proves nothing: the wire lost frames of its exchange", 0.4, cell});
    return r;
}

TEST(InconclusiveCell, CountsNeitherAsPassNorAsFailureAndTheRunDoesNotPass) {
    const auto c = with_inconclusive_cell().counts();
    EXPECT_EQ(c.inconclusive, 1);
    EXPECT_EQ(c.failed, 1);  // the sample's own failure, not this one
    EXPECT_EQ(c.passed, 1);
    EXPECT_EQ(exit_code({4, 3, 0, 0, 1}), 1) << "an inconclusive cell proves nothing: the run is not a pass";
}

TEST(InconclusiveCell, IsAJunitErrorWithTheReasonNotAFailure) {
    tinyxml2::XMLDocument doc;
    ASSERT_EQ(doc.Parse(junit_xml(with_inconclusive_cell()).c_str()), tinyxml2::XML_SUCCESS);
    const auto* suite = doc.RootElement()->FirstChildElement("testsuite");
    EXPECT_STREQ(suite->Attribute("errors"), "1");
    EXPECT_STREQ(suite->Attribute("failures"), "1");
    const tinyxml2::XMLElement* found = nullptr;
    for (const auto* tc = suite->FirstChildElement("testcase"); tc; tc = tc->NextSiblingElement("testcase"))
        if (std::string(tc->Attribute("name")) == "reachability.vepa.hairpin.ipv4.c2_to_c1") found = tc;
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->FirstChildElement("failure"), nullptr);
    const auto* error = found->FirstChildElement("error");
    ASSERT_NE(error, nullptr);
    EXPECT_STREQ(error->Attribute("type"), "inconclusive");
    EXPECT_NE(std::string(error->GetText()).find("the wire lost frames"), std::string::npos);
}

TEST(InconclusiveCell, JsonSaysInconclusiveWithTheReasonAndReadsBack) {
    const auto j = json_report(with_inconclusive_cell());
    EXPECT_EQ(j["summary"]["inconclusive"], 1);
    const auto& cell = j["cells"].back();
    EXPECT_EQ(cell["verdict"], "inconclusive");
    EXPECT_EQ(cell["observed"], "blocked");
    EXPECT_NE(cell["inconclusive"].get<std::string>().find("proves nothing"), std::string::npos);
    EXPECT_FALSE(cell.contains("failure"));
    const auto back = parse_json_report(j.dump(), "r.json");
    EXPECT_EQ(back.tests.back().verdict, Verdict::inconclusive);
}

TEST(InconclusiveCell, KtapSaysNotOkWithKselftestsErrorDirective) {
    const auto text = ktap(with_inconclusive_cell());
    EXPECT_NE(text.find("not ok 3 reachability.vepa.hairpin.ipv4.c2_to_c1 # error inconclusive"), std::string::npos) << text;
    EXPECT_NE(text.find("error:1\n"), std::string::npos) << text;
}

TEST(InconclusiveCell, TheGridMarksItWithAQuestionMarkNotAsADifference) {
    const auto r = with_inconclusive_cell();
    std::vector<TestRecord> ipv4;
    for (const auto& t : r.tests)
        if (t.cell && t.cell->family == "ipv4" && t.group == "reachability.vepa.hairpin") ipv4.push_back(t);
    const auto grid = difference_grid(ipv4);
    EXPECT_NE(grid.find("?block"), std::string::npos) << grid;
    EXPECT_EQ(grid.find("!block"), std::string::npos) << grid;
}

TEST(InconclusiveCell, AJunitErrorOfAnotherToolReadsAsInconclusive) {
    const auto back = parse_junit_report(junit_xml(with_inconclusive_cell()), "j.xml");
    int inconclusive = 0;
    for (const auto& t : back.tests) inconclusive += t.verdict == Verdict::inconclusive;
    EXPECT_EQ(inconclusive, 1);
}

TEST(InconclusiveCell, HtmlShowsItAmberWithTheReason) {
    const auto html = html_report(with_inconclusive_cell());
    EXPECT_NE(html.find("<td class=\"inconclusive\""), std::string::npos);
    EXPECT_NE(html.find("<h2>Inconclusive cells</h2>"), std::string::npos);
    EXPECT_NE(html.find("the wire lost frames of its exchange"), std::string::npos);
}

TEST(KernelSplats, EveryRunLevelReportListsThem) {
    auto r = testing_support::sample_report();
    r.kernel_log = "read from /dev/kmsg";
    r.kernel_splats = {{"reachability.vepa.hairpin.ipv4.c1_to_c2", "WARNING: CPU: 1 PID: 9 at net/core/dev.c:1 f+0x0/0x1\nCall Trace:"}};
    const auto j = json_report(r);
    ASSERT_EQ(j["kernel_log"]["splats"].size(), 1u);
    EXPECT_EQ(j["kernel_log"]["splats"][0]["test"], "reachability.vepa.hairpin.ipv4.c1_to_c2");
    EXPECT_EQ(j["kernel_log"]["source"], "read from /dev/kmsg");
    const auto text = ktap(r);
    EXPECT_NE(text.find("# kernel splat during reachability.vepa.hairpin.ipv4.c1_to_c2:\n# WARNING: CPU: 1"), std::string::npos) << text;
    const auto html = html_report(r);
    EXPECT_NE(html.find("<h2>Kernel splats</h2>"), std::string::npos);
    EXPECT_NE(html.find("Call Trace:"), std::string::npos);
}

}  // namespace
}  // namespace mvc
