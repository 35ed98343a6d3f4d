// SPDX-License-Identifier: MIT
// A run with VM endpoints leaves nothing of them behind, after a pass, after a failure and after
// SIGKILL: no macvtap or TAP device (the kernel's devtmpfs has a node for each while it exists,
// whatever its network namespace: device_add -> devtmpfs_create_node), no open queue or TAP
// descriptor in any process, none of the harness's private mounts (its tmpfs is named "mvc-dev"),
// and no link, address or named namespace in the namespace it ran from. Needs root.
//
// Device nodes and descriptors are machine-wide and not tagged with the run that made them: another
// run of the suite on the machine at the same time shows up too. So what appeared during the run
// must be gone within a deadline (a killed run's namespaces are dismantled asynchronously, by
// cleanup_net), rather than at one instant.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "conformance_process.hpp"
#include "fixture_files.hpp"
#include "root_snapshot.hpp"

namespace mvc {
namespace {

using Clock = std::chrono::steady_clock;

// The character-device major the kernel gave macvtap (/proc/devices), if it is loaded.
std::optional<unsigned> macvtap_major() {
    std::ifstream in("/proc/devices");
    std::string line;
    bool character = false;
    while (std::getline(in, line)) {
        if (line == "Character devices:") character = true;
        else if (line == "Block devices:") character = false;
        std::istringstream fields(line);
        unsigned major = 0;
        std::string name;
        if (character && fields >> major >> name && name == "macvtap") return major;
    }
    return std::nullopt;
}

bool is_queue_or_tap(dev_t device, unsigned macvtap) {
    return major(device) == macvtap || device == makedev(10, 200);  // /dev/net/tun: misc 10:200
}

// What a run with VM endpoints could leave on the machine, each as a line naming it.
std::set<std::string> traces(unsigned macvtap) {
    std::set<std::string> out;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator("/dev", std::filesystem::directory_options::skip_permission_denied, ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == macvtap)
            out.insert("device node " + it->path().string());
    }
    for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string pid = proc.path().filename();
        if (pid.find_first_not_of("0123456789") != std::string::npos || pid == std::to_string(::getpid())) continue;
        std::error_code fd_ec;
        for (const auto& fd : std::filesystem::directory_iterator(proc.path() / "fd", fd_ec)) {
            struct stat st {};
            if (::stat(fd.path().c_str(), &st) == 0 && S_ISCHR(st.st_mode) && is_queue_or_tap(st.st_rdev, macvtap))
                out.insert("open queue or TAP: pid " + pid + " fd " + fd.path().filename().string());
        }
    }
    std::ifstream mounts("/proc/self/mountinfo");
    for (std::string line; std::getline(mounts, line);)
        if (line.find(" mvc-dev ") != std::string::npos) out.insert("mount " + line);
    return out;
}

// The traces present now that were not in `before`, once they stopped disappearing or 30 s passed.
std::set<std::string> left_behind(const std::set<std::string>& before, unsigned macvtap) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    std::set<std::string> extra;
    for (;;) {
        extra.clear();
        for (const auto& t : traces(macvtap))
            if (!before.count(t)) extra.insert(t);
        if (extra.empty() || Clock::now() >= deadline) return extra;
        ::usleep(100'000);  // a killed run's namespaces go on a workqueue: nothing to wait on from here
    }
}

std::string lines(const std::set<std::string>& s) {
    std::string out;
    for (const auto& l : s) out += "  " + l + "\n";
    return out;
}

class MacvtapLeaks : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: the suite builds network namespaces and links";
        const auto probe = testing_support::run_conformance({"--filter", "MacvtapDevice.DisappearsWithItsInterface"});
        if (probe.exit_code == 4) GTEST_SKIP() << "no VM endpoints on this machine: " << probe.out;
        const auto major = macvtap_major();
        ASSERT_TRUE(major) << "macvtap ran but /proc/devices has no macvtap major";
        major_ = *major;
        root_before_ = testing_support::root_namespace_snapshot();
        traces_before_ = traces(major_);
    }

    void expect_nothing_left() {
        EXPECT_EQ(lines(left_behind(traces_before_, major_)), "");
        EXPECT_EQ(testing_support::root_namespace_snapshot(), root_before_);
    }

    unsigned major_ = 0;
    std::string root_before_;
    std::set<std::string> traces_before_;
};

TEST_F(MacvtapLeaks, NothingAfterAPassingRun) {
    const auto r = testing_support::run_conformance({"--filter", "*macvtap*", "--filter", "Macvtap*", "--filter", "*MacvtapOffload*"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_nothing_left();
}

// One macvtap cell's expectation flipped: the run fails that cell, and cleans up all the same.
TEST_F(MacvtapLeaks, NothingAfterAFailingRun) {
    auto doc = testing_support::one_cell_flipped("reachability.vepa.hairpin.ipv4.c1_to_c2");
    ASSERT_FALSE(doc.is_null());
    doc["matrices"][0]["mode"] = "macvtap.vepa";
    testing_support::TempFile expectations("expectations.json");
    expectations.write(doc);
    const auto r = testing_support::run_conformance(
        {"--expectations", expectations.path().string(), "--filter", "reachability.macvtap.vepa.*"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("reachability.macvtap.vepa.hairpin.ipv4.c1_to_c2"), std::string::npos) << r.out;
    expect_nothing_left();
}

// SIGKILL while every macvtap topology is up (a long quiet window keeps them so): the kernel closes
// the queues and TAPs with the process, the anonymous namespaces go with their last descriptor, and
// their links with them.
TEST_F(MacvtapLeaks, NothingAfterSigkill) {
    namespace bp = boost::process;
    bp::child child(MVC_CONFORMANCE_BINARY, "--quiet-window-ms", "20000", "--filter", "reachability.macvtap.*",
                    bp::std_out > bp::null, bp::std_err > bp::null);
    // Killed once its queues are open, as seen from here.
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    bool queues_open = false;
    while (!queues_open && child.running() && Clock::now() < deadline) {
        for (const auto& t : traces(major_))
            if (t.rfind("open queue or TAP: pid " + std::to_string(child.id()) + " ", 0) == 0) queues_open = true;
        if (!queues_open) ::usleep(20'000);
    }
    ASSERT_TRUE(queues_open) << "the run never opened a macvtap queue";
    ASSERT_TRUE(child.running());
    ::kill(child.id(), SIGKILL);
    child.wait();
    expect_nothing_left();
}

}  // namespace
}  // namespace mvc
