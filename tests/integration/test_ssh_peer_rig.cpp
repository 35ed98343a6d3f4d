// SPDX-License-Identifier: MIT
// The ssh rig that later --remote tests stand on: a real sshd in a namespace of its own, reached
// from a stand-in machine namespace, and nothing of it left once the rig is gone.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "conformance_process.hpp"
#include "ssh_peer_rig.hpp"

namespace mvc {
namespace {

using testing_support::ProcessResult;
using testing_support::SshPeerRig;
namespace bp = boost::process;

std::string why_not_runnable() {
    if (::geteuid() != 0) return "needs root: creates namespaces and runs sshd";
    return SshPeerRig::skip_reason();
}

// ssh as the tool will run it: from a thread inside the machine namespace, argv only.
ProcessResult ssh(const NetNamespace& machine, const SshPeerRig& rig, const std::vector<std::string>& command) {
    return machine.run([&] {
        std::vector<std::string> argv{"-F", rig.ssh_config().string(), "-o", "BatchMode=yes", rig.destination()};
        argv.insert(argv.end(), command.begin(), command.end());
        return testing_support::run_program("/usr/bin/ssh", argv);
    });
}

// Processes whose network namespace is `inode`: sshd and any session it forked.
std::vector<std::string> processes_in(ino_t inode) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string pid = e.path().filename().string();
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        struct stat st {};
        if (::stat((e.path() / "ns/net").c_str(), &st) == 0 && st.st_ino == inode) {
            std::string comm;
            std::getline(std::ifstream(e.path() / "comm"), comm);
            found.push_back(pid + " " + comm);
        }
    }
    return found;
}

TEST(SshPeerRig, RootLoginRunsCommandsInTheRemoteNamespace) {
    if (const auto reason = why_not_runnable(); !reason.empty()) GTEST_SKIP() << reason;
    const NetNamespace machine = NetNamespace::create();
    SshPeerRig rig(machine);
    EXPECT_EQ(rig.destination(), "root@198.51.100.2");

    const auto id = ssh(machine, rig, {"id", "-u"});
    EXPECT_EQ(id.exit_code, 0) << id.err << rig.sshd_log();
    EXPECT_EQ(id.out, "0\n") << id.err;

    // The remote's mgmt, not the machine's: the two ends have different MACs.
    const auto link = ssh(machine, rig, {"ip", "-j", "link", "show", "dev", "mgmt"});
    ASSERT_EQ(link.exit_code, 0) << link.err << rig.sshd_log();
    EXPECT_NE(link.out.find("mgmt"), std::string::npos) << link.out;
    const auto shown = nlohmann::json::parse(link.out);
    ASSERT_EQ(shown.size(), 1u) << link.out;
    EXPECT_EQ(shown[0]["ifname"], "mgmt");
    Rtnl remote_nl(rig.remote());
    Rtnl machine_nl(machine);
    EXPECT_EQ(shown[0]["address"], remote_nl.link("mgmt").mac.str());
    EXPECT_NE(shown[0]["address"], machine_nl.link("mgmt").mac.str());
}

TEST(SshPeerRig, CableJoinsTheMachineToTheRemoteWithBothEndsUp) {
    if (const auto reason = why_not_runnable(); !reason.empty()) GTEST_SKIP() << reason;
    const NetNamespace machine = NetNamespace::create();
    SshPeerRig rig(machine);
    const int ifindex = rig.cable("nic0", "rnic0");
    Rtnl machine_nl(machine);
    Rtnl remote_nl(rig.remote());
    const auto near = machine_nl.link("nic0");
    const auto far = remote_nl.link("rnic0");
    EXPECT_EQ(near.ifindex, ifindex);
    EXPECT_EQ(near.kind, "veth");
    EXPECT_TRUE(near.up());
    EXPECT_TRUE(far.up());
    EXPECT_NE(near.mac, far.mac);
    EXPECT_NE(near.mac, machine_nl.link("mgmt").mac);
    EXPECT_FALSE(remote_nl.find_link("nic0").has_value());
    EXPECT_FALSE(machine_nl.find_link("rnic0").has_value());
}

TEST(SshPeerRig, DestructionStopsSshdAndLeavesNothingBehind) {
    if (const auto reason = why_not_runnable(); !reason.empty()) GTEST_SKIP() << reason;
    const bool privsep_existed = std::filesystem::exists("/run/sshd");
    const NetNamespace machine = NetNamespace::create();
    pid_t sshd = 0;
    ino_t remote = 0;
    std::filesystem::path dir;
    bp::ipstream session_out;
    std::unique_ptr<bp::child> session;
    {
        SshPeerRig rig(machine);
        rig.cable("nic0", "rnic0");
        dir = rig.ssh_config().parent_path();
        std::ifstream(dir / "sshd.pid") >> sshd;
        ASSERT_GT(sshd, 0) << rig.sshd_log();
        ASSERT_EQ(::kill(sshd, 0), 0) << "sshd " << sshd << " is not running";
        ASSERT_TRUE(std::filesystem::is_directory("/run/sshd"));
        remote = rig.remote().inode();
        // A session still open when the rig goes, as a ControlMaster left behind would be.
        session = machine.run([&] {
            return std::make_unique<bp::child>(
                "/usr/bin/ssh", bp::args({"-F", rig.ssh_config().string(), "-o", "BatchMode=yes", rig.destination(), "echo open; exec sleep 60"}),
                bp::std_in < bp::null, bp::std_out > session_out, bp::std_err > bp::null);
        });
        std::string line;
        ASSERT_TRUE(std::getline(session_out, line)) << rig.sshd_log();
        ASSERT_EQ(line, "open");
        EXPECT_GE(processes_in(remote).size(), 2u);  // sshd, and the session's processes
    }
    const auto closed = std::chrono::steady_clock::now();
    session->wait();
    EXPECT_LT(std::chrono::steady_clock::now() - closed, std::chrono::seconds(30)) << "the remote session outlived the rig";
    EXPECT_EQ(session->exit_code(), 255) << "ssh should have lost its connection";
    EXPECT_EQ(std::filesystem::exists("/run/sshd"), privsep_existed);
    errno = 0;
    EXPECT_EQ(::kill(sshd, 0), -1) << "sshd " << sshd << " survived the rig (or was not reaped)";
    EXPECT_EQ(errno, ESRCH);
    EXPECT_EQ(processes_in(remote), std::vector<std::string>{});
    EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
    Rtnl machine_nl(machine);
    EXPECT_FALSE(machine_nl.find_link("mgmt").has_value());
    EXPECT_FALSE(machine_nl.find_link("nic0").has_value());
}

}  // namespace
}  // namespace mvc
