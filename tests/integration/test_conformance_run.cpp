// SPDX-License-Identifier: MIT
// End-to-end: the conformance binary against the kernel in front of it. Needs root.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "conformance_process.hpp"
#include "fixture_files.hpp"
#include "root_snapshot.hpp"

namespace mvc {
namespace {

using testing_support::run_conformance;
using testing_support::TempFile;

class ConformanceRun : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: the suite builds network namespaces and links";
    }
    static nlohmann::json read_json(const std::filesystem::path& p) { return testing_support::read(p); }
    static std::vector<std::string> failed_cells(const nlohmann::json& report) {
        std::vector<std::string> out;
        for (const auto& c : report["cells"])
            if (c["verdict"] == "fail") out.push_back(c["name"]);
        return out;
    }
};

TEST_F(ConformanceRun, FullRunPassesWithReportsThatValidate) {
    TempFile junit("j.xml"), json("r.json");
    // Everything but Docker's suite, which has its own engine-dependent test below the README's run.
    const auto r = run_conformance({"--junit", junit.path().string(), "--json", json.path().string(), "--filter", "-Docker*"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto report = read_json(json.path());
    int passed = 0;
    for (const auto& c : report["cells"]) {
        EXPECT_NE(c["verdict"], "fail") << c.dump();
        if (c["verdict"] == "pass") ++passed;
        if (c["verdict"] == "skip") {
            EXPECT_FALSE(c["reason"].get<std::string>().empty());
        }
    }
    EXPECT_GE(passed, 200);
    std::set<std::string> modes;
    for (const auto& c : report["cells"]) modes.insert(c["mode"]);
    // Every mode on its own, source with and without nodst, and the layouts that mix modes.
    EXPECT_EQ(modes, (std::set<std::string>{"bridge", "vepa", "private", "passthru", "source", "source+nodst", "mixed"}));

    namespace bp = boost::process;
    for (const char* xsd : {"junit-jenkins-xunit-10.xsd", "junit-ant-windyroad.xsd"}) {
        const int rc = bp::system(bp::search_path("xmllint"), "--noout", "--schema",
                                  std::string(MVC_SCHEMA_DIR) + "/" + xsd, junit.path().string(), bp::std_out > bp::null);
        EXPECT_EQ(rc, 0) << xsd;
    }
}

// Changing one expected value must fail exactly that cell: proof that each cell's assertion is live.
class FlippedExpectation : public ConformanceRun, public ::testing::WithParamInterface<const char*> {};

TEST_P(FlippedExpectation, FailsExactlyThatCell) {
    const std::string target = GetParam();
    const auto doc = testing_support::one_cell_flipped(target);
    ASSERT_FALSE(doc.is_null()) << "no such cell in the hand-listed matrices";
    TempFile expectations("expectations.json"), json("r.json");
    expectations.write(doc);
    const auto r = run_conformance({"--expectations", expectations.path().string(), "--json", json.path().string(),
                                    "--filter", "reachability.*"});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_EQ(failed_cells(read_json(json.path())), std::vector<std::string>{target});
    EXPECT_NE(r.out.find("'!' differs from the expectation"), std::string::npos) << "the difference grid is printed";
}

INSTANTIATE_TEST_SUITE_P(Cells, FlippedExpectation,
                         ::testing::Values("reachability.vepa.hairpin.ipv4.c1_to_c2",          // reachable -> blocked
                                           "reachability.private.hairpin.ipv6.c1_to_host",     // blocked -> reachable
                                           "reachability.private.hairpin_static.ipv4.c2_to_c1",
                                           "reachability.passthru.plain.ipv6.host_to_ext",
                                           "reachability.source.hairpin.ipv4.ext_to_c2",
                                           "reachability.bridge.plain.ipv6.c1_to_host"));

// Every IPv4 cell fails except the ones that need no ARP at all: slave-to-slave in hairpin-static,
// where both neighbours are permanent entries. Those see what the rules predict (reachable, or
// blocked where the destination is a source-mode slave), whatever ARP does.
TEST_F(ConformanceRun, InjectedArpFaultFailsEveryIpv4CellThatNeedsArpAndNoIpv6Cell) {
    TempFile json("r.json");
    const auto r = run_conformance({"--inject-fault", "arp-ignore", "--ready-timeout-ms", "1000", "--json", json.path().string(),
                                    "--filter", "reachability.*"});
    EXPECT_EQ(r.exit_code, 1);
    const auto report = read_json(json.path());  // a named value: ranging over a temporary's member would dangle
    ASSERT_GT(report["cells"].size(), 200u);
    int ipv4_failed = 0;
    for (const auto& c : report["cells"]) {
        if (c["verdict"] == "skip") continue;
        const bool static_neighbours = c["variant"] == "hairpin-static" && c["from"] != "host" && c["from"] != "ext" &&
                                       c["to"] != "host" && c["to"] != "ext";
        if (c["family"] == "ipv6") {
            EXPECT_EQ(c["verdict"], "pass") << c["name"];
        } else if (static_neighbours) {
            EXPECT_EQ(c["observed"], c["expected"]) << c["name"] << ": permanent neighbours need no ARP";
        } else {
            // Failed, or inconclusive where the IPv4 controls (which need ARP too) got no reply.
            EXPECT_TRUE(c["verdict"] == "fail" || c["verdict"] == "inconclusive") << c["name"] << ": a broken ARP must never pass";
            ++ipv4_failed;
        }
    }
    EXPECT_GE(ipv4_failed, 100);
}

TEST_F(ConformanceRun, MalformedExpectationsAreAUsageErrorNamingTheEntry) {
    auto doc = testing_support::read(std::filesystem::path(MVC_UNIT_TEST_DATA) / "hand_listed_reachability.json");
    doc["matrices"][2]["cells"][3]["expected"] = "maybe";
    TempFile expectations("broken.json");
    expectations.write(doc);
    const auto r = run_conformance({"--expectations", expectations.path().string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(expectations.path().string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("matrices[2]"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("cells[3]"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("got \"maybe\""), std::string::npos) << r.err;
}

// No engine reachable: every Docker test skips, saying so, and the run is not a failure.
TEST_F(ConformanceRun, DockerSuiteWithoutAnEngineSkipsWithTheReason) {
    auto env = boost::this_process::environment();
    env.set("DOCKER_HOST", "tcp://127.0.0.1:9");  // the discard port: nothing answers there (set: see external_command.cpp)
    TempFile json("r.json");
    const auto r = run_conformance({"--filter", "Docker*", "--json", json.path().string()}, env);
    EXPECT_EQ(r.exit_code, 4) << r.out;
    const auto report = read_json(json.path());
    ASSERT_GE(report["tests"].size(), 7u);
    for (const auto& t : report["tests"]) {
        EXPECT_EQ(t["verdict"], "skip") << t["name"];
        EXPECT_FALSE(t["message"].get<std::string>().empty()) << t["name"];
    }
}

TEST_F(ConformanceRun, LeavesTheRootNamespaceAsItFoundIt) {
    const auto before = testing_support::root_namespace_snapshot();
    const auto r = run_conformance({"--filter", "-Docker*"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(testing_support::root_namespace_snapshot(), before);
}

TEST_F(ConformanceRun, LeavesTheRootNamespaceAsItFoundItAfterSigkill) {
    const auto before = testing_support::root_namespace_snapshot();
    namespace bp = boost::process;
    bp::ipstream out;
    // A long quiet window keeps every topology alive while the process is killed.
    bp::child child(MVC_CONFORMANCE_BINARY, "--quiet-window-ms", "10000", "--filter", "-Docker*", bp::std_out > out,
                    bp::std_err > bp::null);
    std::string line;
    while (std::getline(out, line) && line.rfind("running", 0) != 0) {
    }
    // The first test builds every topology; wait until that has surely begun, then kill.
    for (int i = 0; i < 50 && child.running(); ++i) ::usleep(10'000);
    ASSERT_TRUE(child.running());
    ::kill(child.id(), SIGKILL);
    child.wait();
    EXPECT_EQ(testing_support::root_namespace_snapshot(), before);
}

}  // namespace
}  // namespace mvc
