// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli.hpp"

namespace mvc {
namespace {

std::string last_stderr, last_stdout;

ParsedCli parse(std::vector<std::string> args) {
    args.insert(args.begin(), "macvlan-conformance");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    ::testing::internal::CaptureStderr();
    ::testing::internal::CaptureStdout();
    auto parsed = parse_cli(static_cast<int>(argv.size()), argv.data());
    last_stderr = ::testing::internal::GetCapturedStderr();
    last_stdout = ::testing::internal::GetCapturedStdout();
    return parsed;
}
TEST(Cli, HelpExitsZeroAndDocumentsExitCodes) {
    auto p = parse({"--help"});
    ASSERT_TRUE(p.exit_now);
    EXPECT_EQ(*p.exit_now, 0);
    EXPECT_NE(last_stdout.find("4  every selected test was skipped"), std::string::npos);
}

TEST(Cli, LossTakesAPercentageFromOneToNinetyNine) {
    auto p = parse({"--inject-fault", "loss:30"});
    ASSERT_FALSE(p.exit_now) << last_stderr;
    EXPECT_EQ(p.options.inject_fault.loss_percent, 30u);
    for (const char* bad : {"loss:0", "loss:100", "loss:", "loss:3x"}) {
        p = parse({"--inject-fault", bad});
        ASSERT_TRUE(p.exit_now) << bad;
        EXPECT_EQ(*p.exit_now, 2);
        EXPECT_NE(last_stderr.find("loss:N takes a whole percentage from 1 to 99"), std::string::npos) << last_stderr;
    }
    p = parse({"--inject-fault", "loss:10", "--parent", "eth1", "--peer", "eth2"});
    ASSERT_TRUE(p.exit_now) << "a lent interface is not the run's to break";
}

TEST(Cli, BadModeNamesTheFlagAndTheValidValues) {
    auto p = parse({"--mode", "bridged"});
    ASSERT_TRUE(p.exit_now);
    EXPECT_EQ(*p.exit_now, 2);
    EXPECT_NE(last_stderr.find("--mode"), std::string::npos) << last_stderr;
    EXPECT_NE(last_stderr.find("vepa"), std::string::npos) << last_stderr;
}

TEST(Cli, UnknownFlagIsAUsageError) {
    auto p = parse({"--jnuit", "x.xml"});
    ASSERT_TRUE(p.exit_now);
    EXPECT_EQ(*p.exit_now, 2);
}

TEST(Cli, GtestFlagsPassThrough) {
    auto p = parse({"--gtest_shuffle", "--json", "r.json"});
    EXPECT_FALSE(p.exit_now);
    ASSERT_EQ(p.options.gtest_arguments.size(), 1u);
    EXPECT_EQ(*p.options.json, "r.json");
}

TEST(Cli, SelectionFlagsCombine) {
    auto p = parse({"--mode", "vepa", "--family", "ipv6", "--filter", "*c1_to*"});
    ASSERT_FALSE(p.exit_now);
    TopologySpec vepa;
    vepa.name = "vepa";
    vepa.variant.name = "hairpin";
    vepa.slaves = {{"c1", MacvlanMode::vepa, false, SlaveKind::macvlan, {}}, {"c2", MacvlanMode::vepa, false, SlaveKind::macvlan, {}}};
    TopologySpec bridge = vepa;
    bridge.name = "bridge";
    for (auto& s : bridge.slaves) s.mode = MacvlanMode::bridge;
    TopologySpec mixed = vepa;
    mixed.name = "mixed.bridge_vepa";
    mixed.slaves[0].mode = MacvlanMode::bridge;
    const CellId yes{"vepa", "hairpin", Family::ipv6, "c1", "c2"};
    EXPECT_TRUE(p.options.selection.selects(yes, vepa));
    EXPECT_FALSE(p.options.selection.selects(bridge)) << "no slave in a selected mode";
    EXPECT_FALSE(p.options.selection.selects(mixed)) << "a slave in a mode not selected";
    auto both = parse({"--mode", "vepa", "--mode", "bridge"});
    EXPECT_TRUE(both.options.selection.selects(mixed)) << "every slave in a selected mode";
    EXPECT_TRUE(both.options.selection.selects(bridge));
    CellId wrong_family = yes;
    wrong_family.family = Family::ipv4;
    EXPECT_FALSE(p.options.selection.selects(wrong_family, vepa));
    CellId wrong_name = yes;
    wrong_name.from = "c2";
    EXPECT_FALSE(p.options.selection.selects(wrong_name, vepa));
}

TEST(Cli, NegativeFilterExcludes) {
    auto p = parse({"--filter", "reachability.*", "--filter", "-*.ipv6.*"});
    ASSERT_FALSE(p.exit_now);
    EXPECT_TRUE(p.options.selection.matches_filters("reachability.vepa.plain.ipv4.c1_to_c2"));
    EXPECT_FALSE(p.options.selection.matches_filters("reachability.vepa.plain.ipv6.c1_to_c2"));
    EXPECT_FALSE(p.options.selection.matches_filters("Promisc.NetlinkSetsAndClearsTheFlagSeenBothWays"));
    auto only_negative = parse({"--filter=-Docker*"});
    EXPECT_TRUE(only_negative.options.selection.matches_filters("Promisc.X"));
    EXPECT_FALSE(only_negative.options.selection.matches_filters("DockerMacvlan.X"));
}

TEST(Cli, ParentAloneNamesBothWaysToGiveItsOtherEnd) {
    auto p = parse({"--parent", "eth1"});
    ASSERT_TRUE(p.exit_now);
    EXPECT_EQ(*p.exit_now, 2);
    EXPECT_NE(last_stderr.find("--peer IFACE"), std::string::npos) << last_stderr;
    EXPECT_NE(last_stderr.find("--remote USER@HOST --remote-if IFACE"), std::string::npos) << last_stderr;
}

TEST(Cli, RemoteTakesItsInterfaceAndExcludesPeer) {
    auto ok = parse({"--parent", "eth1", "--remote", "root@lab2", "--remote-if", "eth3"});
    ASSERT_FALSE(ok.exit_now) << last_stderr;
    EXPECT_EQ(ok.options.remote, "root@lab2");
    EXPECT_EQ(ok.options.remote_if, "eth3");

    auto no_if = parse({"--parent", "eth1", "--remote", "root@lab2"});
    ASSERT_TRUE(no_if.exit_now);
    EXPECT_NE(last_stderr.find("--remote-if"), std::string::npos) << last_stderr;

    auto both = parse({"--parent", "eth1", "--peer", "eth2", "--remote", "root@lab2", "--remote-if", "eth3"});
    ASSERT_TRUE(both.exit_now);
    EXPECT_EQ(*both.exit_now, 2);

    auto no_parent = parse({"--remote", "root@lab2", "--remote-if", "eth3"});
    ASSERT_TRUE(no_parent.exit_now);
    EXPECT_NE(last_stderr.find("--parent"), std::string::npos) << last_stderr;
}

TEST(Cli, RemoteThatLooksLikeAnOptionIsRefused) {
    auto p = parse({"--parent", "eth1", "--remote=-oProxyCommand=x", "--remote-if", "eth3"});
    ASSERT_TRUE(p.exit_now);
    EXPECT_NE(last_stderr.find("is not USER@HOST"), std::string::npos) << last_stderr;
}

TEST(Cli, RemoteInterfaceNamesThatIpBatchWouldReadDifferentlyAreRefused) {
    for (const char* name : {"q#z", "a b", "it's", "x\"y", "sixteen-chars-xx"}) {
        auto p = parse({"--parent", "eth1", "--remote", "root@lab2", "--remote-if", name});
        ASSERT_TRUE(p.exit_now) << name;
        EXPECT_EQ(*p.exit_now, 2) << name;
        EXPECT_NE(last_stderr.find("--remote-if"), std::string::npos) << last_stderr;
    }
    EXPECT_FALSE(parse({"--parent", "eth1", "--remote", "root@lab2", "--remote-if", "enp3s0f1.10"}).exit_now) << last_stderr;
}

TEST(Cli, RemoteSshConfigIsKeptAsAnAbsolutePathForRestore) {
    const auto file = std::filesystem::temp_directory_path() / "mvc-cli-ssh_config";
    std::ofstream(file) << "Host *\n";
    const auto cwd = std::filesystem::current_path();
    std::filesystem::current_path(file.parent_path());
    auto p = parse({"--parent", "eth1", "--remote", "root@lab2", "--remote-if", "eth3", "--remote-ssh-config", file.filename().string()});
    std::filesystem::current_path(cwd);
    std::filesystem::remove(file);
    ASSERT_FALSE(p.exit_now) << last_stderr;
    EXPECT_EQ(p.options.remote_ssh_config, file.string());
}

}  // namespace
}  // namespace mvc
