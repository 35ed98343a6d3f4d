// SPDX-License-Identifier: MIT
// The command line and the reports, end to end through the real binary.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <tinyxml2.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "conformance_process.hpp"
#include "fixture_files.hpp"

namespace mvc {
namespace {

using testing_support::run_conformance;
using testing_support::TempFile;

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.push_back(l);
    return out;
}

std::set<std::string> netns_names() {
    std::set<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) out.insert(e.path().filename().string());
    return out;
}

TEST(Cli, UsageErrorsExitTwoAndNameTheFlag) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--mode", "bridged"}, {"--family", "ipv5"}, {"--no-such-flag"},
                                                                 {"--variant", "hairpn"}, {"--repeat", "0"}}) {
        const auto r = run_conformance(args);
        EXPECT_EQ(r.exit_code, 2) << args[0];
        EXPECT_NE(r.err.find(args[0]), std::string::npos) << r.err;
    }
}

TEST(Cli, HelpDocumentsTheExitCodes) {
    const auto r = run_conformance({"--help"});
    EXPECT_EQ(r.exit_code, 0);
    for (const char* line : {"0  every selected test passed", "1  at least one test failed", "2  usage error", "4  every selected test was skipped"})
        EXPECT_NE(r.out.find(line), std::string::npos) << line;
}

TEST(Cli, ListAndFilterAgree) {
    const auto listed = run_conformance({"--list", "--filter", "*vepa*"});
    ASSERT_EQ(listed.exit_code, 0);
    const auto names = lines(listed.out);
    ASSERT_FALSE(names.empty());
    for (const auto& n : names) EXPECT_NE(n.find("vepa"), std::string::npos) << n;

    TempFile json("r.json");
    const auto ran = run_conformance({"--filter", "*vepa*", "--json", json.path().string()});
    ASSERT_TRUE(ran.exit_code == 0 || ran.exit_code == 4) << ran.out << ran.err;
    std::vector<std::string> run_names;
    const auto report = testing_support::read(json.path());  // a named value: ranging over a temporary's member would dangle
    for (const auto& t : report["tests"]) run_names.push_back(t["name"]);
    EXPECT_EQ(run_names, names);
}

TEST(Cli, SelectionFlagsNarrowTheList) {
    const auto r = run_conformance({"--list", "--mode", "private", "--family", "ipv6", "--variant", "hairpin"});
    ASSERT_EQ(r.exit_code, 0);
    const auto names = lines(r.out);
    // The topologies whose slaves are all private: macvlan, macvtap guests, and the two side by side;
    // each has host, ext, c1, c2: 12 ordered pairs in one family.
    std::map<std::string, int> per_topology;
    const std::regex name("reachability\\.(.*)\\.hairpin\\.ipv6\\.[a-z0-9]+_to_[a-z0-9]+");
    for (const auto& n : names) {
        std::smatch m;
        ASSERT_TRUE(std::regex_match(n, m, name)) << n;
        ++per_topology[m[1]];
    }
    EXPECT_EQ(per_topology, (std::map<std::string, int>{{"private", 12}, {"macvtap.private", 12}, {"macvtap.mixed.private", 12}}));
}

// explain is a planning tool: no root, nothing built. As nobody, private + hairpin shows host->c1
// reachable and c1->host blocked, each with its chain of rules; a bad file names the field.
TEST(Explain, RunsUnprivilegedAndShowsPrivateHairpinsOneWayReachWithItsChains) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to an unprivileged user for the test";
    const auto setpriv = boost::process::search_path("setpriv").string();
    const std::vector<std::string> as_nobody{"--reuid=65534", "--regid=65534", "--clear-groups", "--", MVC_CONFORMANCE_BINARY};
    auto args = as_nobody;
    for (const char* a : {"explain", "private.hairpin"}) args.push_back(a);
    const auto r = testing_support::run_program(setpriv, args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto host_to_c1 = r.out.find("host -> c1: reachable"), c1_to_host = r.out.find("c1 -> host: blocked");
    ASSERT_NE(host_to_c1, std::string::npos) << r.out;
    ASSERT_NE(c1_to_host, std::string::npos) << r.out;
    // Each verdict is followed by its chain: the rule that lets the first frame through, or stops it.
    EXPECT_NE(r.out.find("[g.host.reflected-flood]", host_to_c1), std::string::npos);
    EXPECT_NE(r.out.find("[g.isolated.reflected-to-sender-only]", c1_to_host), std::string::npos) << r.out.substr(c1_to_host, 800);

    TempFile bad("bad.json");
    bad.write(nlohmann::json{{"format", "macvlan-conformance/topology/1"}, {"name", "bad"}, {"parent", "veth"}, {"external", "plain"},
                             {"slaves", {{{"name", "a"}, {"mode", "passthru"}}, {{"name", "b"}, {"mode", "bridge"}}}}});
    const auto refused = run_conformance({"explain", bad.path().string()});
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.err.find(bad.path().string()), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("passthru"), std::string::npos) << refused.err;
}

TEST(Env, JsonIsValidAndCoversEveryFeature) {
    const auto r = run_conformance({"env", "--json"});
    ASSERT_EQ(r.exit_code, 0);
    const auto env = nlohmann::json::parse(r.out);
    std::set<std::string> names;
    for (const auto& f : env["features"]) {
        names.insert(f["name"]);
        EXPECT_FALSE(f["why_it_matters"].get<std::string>().empty());
    }
    for (const char* f : {"macvlan", "dummy", "8021q", "ipvlan", "ipv6", "user_namespaces", "bc_queue_len", "bc_cutoff", "nodst"})
        EXPECT_TRUE(names.count(f)) << f;
    EXPECT_FALSE(env["kernel_release"].get<std::string>().empty());
    EXPECT_FALSE(env["distro"].get<std::string>().empty());
}

class Reports : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        // One run writes every format, so the formats can be compared with each other.
        junit_ = new TempFile("j.xml");
        ktap_ = new TempFile("k.ktap");
        html_ = new TempFile("r.html");
        json_ = new TempFile("r.json");
        result_ = run_conformance({"--junit", junit_->path().string(), "--ktap", ktap_->path().string(), "--html",
                                   html_->path().string(), "--json", json_->path().string(), "--filter", "-Docker*"});
    }
    static void TearDownTestSuite() {
        delete junit_;
        delete ktap_;
        delete html_;
        delete json_;
    }
    static inline TempFile *junit_, *ktap_, *html_, *json_;
    static inline testing_support::ProcessResult result_;
};

TEST_F(Reports, KtapTotalsEqualTheJUnitCounts) {
    tinyxml2::XMLDocument doc;
    ASSERT_EQ(doc.LoadFile(junit_->path().c_str()), tinyxml2::XML_SUCCESS);
    int tests = 0, failures = 0, skipped = 0, errors = 0;
    for (auto* s = doc.RootElement()->FirstChildElement("testsuite"); s; s = s->NextSiblingElement("testsuite")) {
        tests += s->IntAttribute("tests");
        failures += s->IntAttribute("failures");
        skipped += s->IntAttribute("skipped");
        errors += s->IntAttribute("errors");
    }
    const std::string ktap = slurp(ktap_->path());
    std::smatch m;
    ASSERT_TRUE(std::regex_search(ktap, m, std::regex(R"(# Totals: pass:(\d+) fail:(\d+) xfail:(\d+) xpass:(\d+) skip:(\d+) error:(\d+))")))
        << ktap.substr(ktap.size() > 300 ? ktap.size() - 300 : 0);
    EXPECT_EQ(std::stoi(m[1]) + std::stoi(m[2]) + std::stoi(m[5]) + std::stoi(m[6]), tests);
    EXPECT_EQ(std::stoi(m[2]), failures);
    EXPECT_EQ(std::stoi(m[5]), skipped);
    EXPECT_EQ(std::stoi(m[6]), errors);
    EXPECT_EQ(ktap.rfind("KTAP version 1\n", 0), 0u);
    EXPECT_NE(ktap.find("\n  KTAP version 1\n  # Subtest: "), std::string::npos) << "nested, indented two spaces";
}

TEST_F(Reports, KtapMarksSkipsWithTheirReason) {
    const std::string ktap = slurp(ktap_->path());
    const auto report = testing_support::read(json_->path());
    for (const auto& t : report["tests"])
        if (t["verdict"] == "skip") {
            EXPECT_NE(ktap.find(t["name"].get<std::string>() + " # SKIP "), std::string::npos) << t["name"];
            break;
        }
}

TEST_F(Reports, HtmlIsSelfContained) {
    const std::string html = slurp(html_->path());
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    for (const char* external : {"http://", "https://", "<script", "<link", "src=", "@import", "url("})
        EXPECT_EQ(html.find(external), std::string::npos) << external;
    EXPECT_NE(html.find("reachability.vepa.hairpin"), std::string::npos) << "the matrices are there";
    EXPECT_NE(html.find("kernel_release"), std::string::npos) << "the environment is there";
}

TEST_F(Reports, EveryReportCarriesTheRunProperties) {
    const auto report = testing_support::read(json_->path());
    for (const char* p : {"kernel_release", "distro", "harness_version", "parent_kind", "parent_driver", "started", "duration_seconds"})
        EXPECT_TRUE(report["properties"].contains(p)) << p;
    const std::string junit = slurp(junit_->path());
    EXPECT_NE(junit.find("name=\"parent_driver\""), std::string::npos);
    EXPECT_NE(slurp(ktap_->path()).find("# parent_driver: "), std::string::npos);
}

TEST(KeepOnFailure, LeavesExactlyTheFailingTopologyAndThePrintedCommandRemovesIt) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    const auto doc = testing_support::one_cell_flipped("reachability.private.plain.ipv4.host_to_ext");
    TempFile expectations("e.json");
    expectations.write(doc);
    const auto before = netns_names();
    const bool had_netns_dir = std::filesystem::exists("/run/netns");
    const auto r = run_conformance({"--expectations", expectations.path().string(), "--mode", "private", "--keep-on-failure"});
    EXPECT_EQ(r.exit_code, 1);
    std::set<std::string> added;
    for (const auto& n : netns_names())
        if (!before.count(n)) added.insert(n);
    // Whatever happens below, nothing this test made may stay.
    struct Cleanup {
        std::set<std::string>& names;
        bool had_netns_dir;
        ~Cleanup() {
            for (const auto& n : names) boost::process::system(boost::process::search_path("ip"), "netns", "del", n);
            // iproute2 leaves /run/netns (a mount point it made) behind, empty: the machine had none.
            std::error_code ec;
            if (!had_netns_dir && std::filesystem::is_empty("/run/netns", ec)) {
                while (::umount2("/run/netns", MNT_DETACH) == 0) {
                }
                std::filesystem::remove("/run/netns", ec);
            }
        }
    } cleanup{added, had_netns_dir};

    EXPECT_EQ(added.size(), 4u) << "host, ext, c1 and c2 of private.plain only";
    for (const auto& n : added) EXPECT_NE(n.find("-private-plain-"), std::string::npos) << n;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(remove it all: (.*))"))) << r.out;
    for (const auto& n : added) EXPECT_NE(r.out.find("ip netns exec " + n), std::string::npos) << n;
    const int rc = boost::process::system(boost::process::search_path("bash"), "-c", m[1].str());
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(netns_names(), before);
    if (netns_names() == before) added.clear();
}

TEST(Install, InstalledBinaryFindsItsFixturesWithNoFlags) {
    char dir[] = "/tmp/mvc-install-XXXXXX";
    const std::filesystem::path prefix = ::mkdtemp(dir);
    struct Remove {
        std::filesystem::path p;
        ~Remove() { std::filesystem::remove_all(p); }
    } remove{prefix};
    namespace bp = boost::process;
    ASSERT_EQ(bp::system(bp::search_path("cmake"), "--install", MVC_BUILD_DIR, "--prefix", prefix.string(), bp::std_out > bp::null), 0);
    const auto binary = prefix / "bin" / "macvlan-conformance";
    ASSERT_TRUE(std::filesystem::exists(prefix / "share" / "macvlan-conformance" / "fixtures" / "rules" / "delivery.json"));
    ASSERT_TRUE(std::filesystem::exists(prefix / "share" / "doc" / "macvlan-conformance" / "README.md"));
    TempFile json("r.json");
    bp::ipstream out;
    const int rc = bp::system(binary.string(), "--filter", "Promisc.Netlink*", "--json", json.path().string(), bp::std_out > bp::null);
    EXPECT_TRUE(rc == 0 || rc == 4) << rc;
    const auto report = testing_support::read(json.path());
    EXPECT_EQ(report["properties"]["expectations"].get<std::string>().rfind(prefix.string(), 0), 0u)
        << "the installed binary used " << report["properties"]["expectations"];
}

// A report that cannot be written fails the run, with the file and the system's reason: a full disk
// must never look like a run whose report simply is not there.
class ReportOnAFullDisk : public ::testing::TestWithParam<const char*> {};

TEST_P(ReportOnAFullDisk, FailsTheRunAndNamesTheFile) {
    const auto r = run_conformance({GetParam(), "/dev/full", "--filter", "Passthru.SlaveInheritsTheParentMac"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("/dev/full"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Formats, ReportOnAFullDisk, ::testing::Values("--junit", "--json", "--html", "--ktap"),
                         [](const auto& info) { return std::string(info.param + 2); });

}  // namespace
}  // namespace mvc
