// SPDX-License-Identifier: MIT
// `macvlan-conformance bench` end to end through the real binary: a short run measures every path it
// is given (or skips it with the reason), its reports hold what they promise, and the machine is as
// it was before.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "conformance_process.hpp"
#include "fixture_files.hpp"
#include "root_snapshot.hpp"

namespace mvc {
namespace {

using testing_support::run_conformance;
using testing_support::TempFile;

TEST(Bench, UsageErrorsExitTwoAndNameTheFlag) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"bench", "--repetitions", "0"},
                                                                 {"bench", "--path", "macvlan-vepa"},
                                                                 {"bench", "--json", "/nonexistent-dir/b.json"},
                                                                 {"bench", "--quick", "--duration-ms", "100"}}) {
        const auto r = run_conformance(args);
        EXPECT_EQ(r.exit_code, 2) << args[1];
        EXPECT_NE(r.err.find(args[1]), std::string::npos) << r.err;
    }
}

TEST(Bench, QuickRunMeasuresItsPathsAgainstTheBaselineAndLeavesTheMachineAsItWas) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (the machine's own namespace is compared before and after)";
    const TempFile json("bench.json"), html("bench.html");
    const auto before = testing_support::root_namespace_snapshot();
    // Two paths besides the baseline keep it short: the macvlan one and the macvtap guest's (whose
    // relay thread and device node must go with the process too).
    const auto r = run_conformance({"bench", "--repetitions", "2", "--duration-ms", "50", "--path", "macvlan-bridge",
                                    "--path", "macvtap-ext", "--json", json.path().string(), "--html", html.path().string()});
    EXPECT_EQ(testing_support::root_namespace_snapshot(), before);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto doc = testing_support::read(json.path());
    ASSERT_EQ(doc["paths"].size(), 3u) << "the two paths and the baseline";
    for (const auto& p : doc["paths"]) {
        if (p["skipped"].is_string()) continue;  // no macvtap here: the reason is the check
        EXPECT_TRUE(p["failed"].is_null()) << p["id"];
        for (const auto& m : doc["metrics"]) {
            const auto& c = p["results"][m["id"].get<std::string>()];
            ASSERT_TRUE(c.is_object()) << p["id"] << " " << m["id"];
            EXPECT_GT(c["median"].get<double>(), 0) << p["id"] << " " << m["id"];
            EXPECT_EQ(c["samples"].size(), 2u);
            EXPECT_EQ(c["ratio"].is_null(), p["id"] == doc["baseline"]) << p["id"];
        }
    }
    EXPECT_NE(r.out.find("too few rounds for a verdict"), std::string::npos) << "2 rounds allow no verdict:\n" << r.out;
    std::ifstream in(html.path());
    std::stringstream page;
    page << in.rdbuf();
    for (const char* external : {"http://", "https://", "<script", "<link", "src=", "@import", "url("})
        EXPECT_EQ(page.str().find(external), std::string::npos) << external;
}

}  // namespace
}  // namespace mvc
