// SPDX-License-Identifier: MIT
// Truth under loss: with a third of the frames on every parent's wire dropped at random
// (--inject-fault loss:30), no cell may be wrong. A cell either matches its expectation or is
// inconclusive with the reason; never "blocked" for a path that exists, never "reachable" for one
// that does not. README "Truth under loss" has the rates of 600 such runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include "conformance_process.hpp"
#include "fixture_files.hpp"

namespace mvc {
namespace {

TEST(LossTruth, ThirtyPercentLossGivesNoWrongVerdict) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: the suite builds network namespaces and links";
    testing_support::TempFile json("r.json"), junit("j.xml");
    const auto r = testing_support::run_conformance({"--inject-fault", "loss:30", "--variant", "plain", "--variant", "hairpin",
                                                     "--mode", "vepa", "--mode", "private", "--filter", "reachability.*",
                                                     "--json", json.path().string(), "--junit", junit.path().string()});
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.out << r.err;
    const auto report = testing_support::read(json.path());
    EXPECT_EQ(report["properties"]["injected_loss_percent"], "30");
    EXPECT_GT(std::stoul(report["properties"]["injected_loss_frames_dropped"].get<std::string>()), 0u)
        << "no frame was lost: the test proves nothing";
    int cells = 0, inconclusive = 0;
    for (const auto& c : report["cells"]) {
        ++cells;
        EXPECT_NE(c["verdict"], "fail") << "a wrong verdict under loss: " << c.dump();
        if (c["verdict"] == "inconclusive") {
            ++inconclusive;
            EXPECT_EQ(c["observed"], "blocked") << "only a silence can be inconclusive: " << c.dump();
            EXPECT_FALSE(c["inconclusive"].get<std::string>().empty()) << "without a reason: " << c.dump();
        } else {
            EXPECT_EQ(c["observed"], c["expected"]) << c.dump();
        }
    }
    EXPECT_GE(cells, 40);
    EXPECT_EQ(r.exit_code, inconclusive > 0 ? 1 : 0) << "an inconclusive cell is not a pass; without one the run passes";
    namespace bp = boost::process;
    for (const char* xsd : {"junit-jenkins-xunit-10.xsd", "junit-ant-windyroad.xsd"}) {
        const int rc = bp::system(bp::search_path("xmllint"), "--noout", "--schema", std::string(MVC_SCHEMA_DIR) + "/" + xsd,
                                  junit.path().string(), bp::std_out > bp::null);
        EXPECT_EQ(rc, 0) << xsd;
    }
}

}  // namespace
}  // namespace mvc
