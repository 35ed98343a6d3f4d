// SPDX-License-Identifier: MIT
// The CNI suite's pieces that need no plugin and no privileges: reading result documents, finding
// the plugins, the protocol's environment and standard input (against stand-in plugins: env and
// cat), the runtime's cache, and the scratch directory that cannot outlive the run.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "cni_network.hpp"
#include "cni_plugin.hpp"
#include "cni_result.hpp"
#include "cni_scratch.hpp"
#include "fixture_files.hpp"

namespace mvc {
namespace {

namespace fs = std::filesystem;
using testing_support::TempFile;

const char* kResult = R"({
  "cniVersion": "1.0.0",
  "interfaces": [{"name": "eth0", "mac": "f2:1c:29:d0:ca:53", "sandbox": "/proc/1/fd/7"}],
  "ips": [{"interface": 0, "address": "192.0.2.10/24", "gateway": "192.0.2.1"},
          {"interface": 0, "address": "2001:db8:1::2/64"}],
  "routes": [{"dst": "198.51.100.0/24", "gw": "192.0.2.1"}, {"dst": "0.0.0.0/0"}],
  "dns": {}
})";

TEST(CniResults, AResultIsReadWithItsInterfaceAddressesAndRoutes) {
    const CniResult r = CniResult::parse(kResult);
    EXPECT_EQ(r.cni_version, "1.0.0");
    EXPECT_EQ(r.pod_interface("eth0").mac, "f2:1c:29:d0:ca:53");
    ASSERT_EQ(r.ips.size(), 2u);
    EXPECT_EQ(r.ips[0].address.str(), "192.0.2.10");
    EXPECT_EQ(r.ips[0].prefix_length, 24);
    EXPECT_EQ(r.ips[0].gateway->str(), "192.0.2.1");
    EXPECT_EQ(r.ips[1].address.family(), Family::ipv6);
    EXPECT_FALSE(r.ips[1].gateway.has_value());
    ASSERT_EQ(r.routes.size(), 2u);
    EXPECT_EQ(r.routes[0].gateway->str(), "192.0.2.1");
    EXPECT_EQ(r.routes[1].prefix_length, 0);
    EXPECT_FALSE(r.routes[1].gateway.has_value());
    EXPECT_THROW(r.pod_interface("eth1"), std::runtime_error);
}

TEST(CniResults, AMalformedResultIsRefusedNamingTheField) {
    auto refused = [](const std::string& text, const std::string& says) {
        try {
            CniResult::parse(text);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
        }
    };
    refused("not json", "no JSON object");
    refused(R"({"ips": []})", "cniVersion");
    refused(R"({"cniVersion": 1})", "cniVersion is number");
    refused(R"({"cniVersion": "1.0.0", "ips": [{"address": "192.0.2.300/24"}]})", "bad address");
    refused(R"({"cniVersion": "1.0.0", "ips": [{"address": "192.0.2.3"}]})", "no prefix length");
    refused(R"({"cniVersion": "1.0.0", "ips": [{"address": "192.0.2.3/33"}]})", "bad prefix length");
    refused(R"({"cniVersion": "1.0.0", "ips": [{"address": "192.0.2.3/24", "interface": 0}]})", "points to no interface");
    refused(R"({"cniVersion": "1.0.0", "routes": [{"gw": "192.0.2.1"}]})", "routes[0] has no \"dst\"");
}

class CniPlugins : public ::testing::Test {
protected:
    void SetUp() override { ::unsetenv(kCniPathVariable); }
    void TearDown() override { ::unsetenv(kCniPathVariable); }
    TempFile dir_{"plugins"};
    fs::path plugins() {
        fs::create_directories(dir_.path());
        return dir_.path();
    }
};

TEST_F(CniPlugins, NoneIsAReasonNamingThePackageAndTheVariableReplacesTheUsualPlaces) {
    ::setenv(kCniPathVariable, plugins().c_str(), 1);
    std::string why;
    EXPECT_FALSE(find_cni_plugins(&why).has_value());
    EXPECT_NE(why.find(kCniPackage), std::string::npos) << why;
    EXPECT_NE(why.find(kCniPathVariable), std::string::npos) << why;
    fs::create_symlink("/bin/true", plugins() / "macvlan");
    EXPECT_FALSE(find_cni_plugins(&why).has_value()) << "host-local is missing";
    fs::create_symlink("/bin/true", plugins() / "host-local");
    EXPECT_EQ(find_cni_plugins(&why), plugins());
}

// The plugin sees the protocol's variables and nothing of this process's environment, and the
// configuration on its standard input.
TEST_F(CniPlugins, APluginGetsExactlyTheProtocolsEnvironmentAndTheConfigOnStandardInput) {
    ::setenv("MVC_TEST_LEAK", "1", 1);
    fs::create_symlink("/usr/bin/env", plugins() / "env");
    fs::create_symlink("/bin/cat", plugins() / "cat");
    const CniRequest request{"ADD", "pod-1", "/proc/1/ns/net", "eth0", R"({"name":"n"})"};
    const CniOutcome env = CniPlugin(plugins(), "env").invoke(nullptr, request);
    ::unsetenv("MVC_TEST_LEAK");
    ASSERT_TRUE(env.ok()) << env.summary();
    std::vector<std::string> variables;
    std::istringstream lines(env.out);
    for (std::string line; std::getline(lines, line);) variables.push_back(line);
    std::sort(variables.begin(), variables.end());
    EXPECT_EQ(variables, (std::vector<std::string>{"CNI_COMMAND=ADD", "CNI_CONTAINERID=pod-1", "CNI_IFNAME=eth0",
                                                   "CNI_NETNS=/proc/1/ns/net", "CNI_PATH=" + plugins().string()}));
    const CniOutcome cat = CniPlugin(plugins(), "cat").invoke(nullptr, request);
    EXPECT_EQ(cat.out, R"({"name":"n"})");
}

// A failed invocation's error document is read (SPEC.md, "Error"), and the cache gives ADD's
// result back to CHECK and DEL as prevResult, and forgets it after a DEL that succeeded.
TEST_F(CniPlugins, ErrorsAreReadAndTheCacheFeedsPrevResultUntilDel) {
    const fs::path script = plugins() / "fake";
    std::ofstream(script) << "#!/bin/sh\n"
                             "conf=$(cat)\n"
                             "case \"$CNI_COMMAND\" in\n"
                             "ADD) printf '%s' '" << std::string(kResult) << "' ;;\n"
                             "CHECK) case \"$conf\" in *prevResult*192.0.2.10*) exit 0 ;; esac;"
                             " printf '{\"code\": 7, \"msg\": \"no prevResult\", \"details\": \"d\"}'; exit 1 ;;\n"
                             "DEL) exit 0 ;;\n"
                             "esac\n";
    fs::permissions(script, fs::perms::owner_all);
    TempFile cache("cache");
    CniNetwork net(CniPlugin(plugins(), "fake"), nlohmann::json{{"cniVersion", "1.0.0"}, {"name", "n"}, {"type", "fake"}},
                   cache.path(), nullptr);
    const CniPod pod{"pod-1", "/proc/1/ns/net", "eth0"};
    const CniOutcome no_entry = net.check(pod);
    EXPECT_FALSE(no_entry.ok());
    EXPECT_EQ(no_entry.error_code, 7);
    EXPECT_EQ(no_entry.error_msg, "no prevResult");
    EXPECT_NE(no_entry.summary().find("code 7: no prevResult (d)"), std::string::npos) << no_entry.summary();
    std::optional<CniResult> result;
    ASSERT_TRUE(net.add(pod, &result).ok());
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(fs::exists(cache.path() / "results" / "n-pod-1-eth0"));
    EXPECT_TRUE(net.check(pod).ok()) << "CHECK got no prevResult";
    EXPECT_TRUE(net.del(pod).ok());
    EXPECT_FALSE(fs::exists(cache.path() / "results" / "n-pod-1-eth0")) << "the entry outlived DEL";
}

// The scratch directory: what is written there is listed, and it is gone with the object (a
// detached tmpfs with root; a temporary directory without).
TEST(CniScratchDirectory, FilesAreListedAndGoneWithTheObject) {
    fs::path where;
    {
        CniScratch scratch;
        where = scratch.path();
        fs::create_directories(scratch.path() / "ipam" / "n");
        std::ofstream(scratch.path() / "ipam" / "n" / "192.0.2.10") << "pod-1";
        std::ofstream(scratch.path() / "ipam" / "n" / "lock");
        auto files = scratch.files("ipam/n");
        std::sort(files.begin(), files.end());
        EXPECT_EQ(files, (std::vector<std::string>{"192.0.2.10", "lock"})) << scratch.describe();
        EXPECT_EQ(scratch.files("nothing"), std::vector<std::string>{});
    }
    std::error_code ec;
    EXPECT_FALSE(fs::exists(where / "ipam" / "n" / "192.0.2.10", ec)) << where;
}

}  // namespace
}  // namespace mvc
