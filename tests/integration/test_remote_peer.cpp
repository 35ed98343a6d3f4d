// SPDX-License-Identifier: MIT
// A parent whose other end is a NIC on another machine (--remote USER@HOST --remote-if IFACE). The
// other machine is a namespace running a real sshd (SshPeerRig); the binary runs in a namespace
// standing in for this machine, so nothing here touches the real one.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>
#include <set>

#include "conformance_process.hpp"
#include "fixture_files.hpp"
#include "interface_journal.hpp"
#include "machine_routes.hpp"
#include "remote_shell.hpp"
#include "ssh_peer_rig.hpp"

namespace mvc {
namespace {

using testing_support::TempFile;
namespace bp = boost::process;

class RemotePeerRun : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: builds a machine and a remote host out of namespaces";
        if (const auto why = testing_support::SshPeerRig::skip_reason(); !why.empty()) GTEST_SKIP() << why;
        machine = std::make_unique<NetNamespace>(NetNamespace::create());
        nl = std::make_unique<Rtnl>(*machine);
        rig = std::make_unique<testing_support::SshPeerRig>(*machine);
        remote_nl = std::make_unique<Rtnl>(rig->remote());
    }

    std::vector<std::string> remote_args(const std::string& remote_if) {
        return {"--remote", rig->destination(), "--remote-if", remote_if, "--remote-ssh-config", rig->ssh_config().string()};
    }
    std::vector<std::string> args(std::vector<std::string> first, const std::string& remote_if, std::vector<std::string> more = {}) {
        auto all = std::move(first);
        for (auto& a : remote_args(remote_if)) all.push_back(a);
        for (auto& a : more) all.push_back(a);
        return all;
    }
    testing_support::ProcessResult run(const std::vector<std::string>& a) { return testing_support::run_conformance_in(machine->fd(), a); }
    InterfaceState local_state(const std::string& name) { return InterfaceState::capture(*nl, nl->link(name).ifindex, ""); }
    InterfaceState remote_state(const std::string& name) {
        return InterfaceState::capture(*remote_nl, remote_nl->link(name).ifindex, "");
    }
    // Addresses on the remote interface inside any documentation range the run may choose.
    std::vector<std::string> run_addresses_on_remote(const std::string& name) {
        std::vector<std::string> out;
        for (const auto& a : remote_state(name).addresses)
            for (const char* range : {"192.0.2.", "198.51.100.", "203.0.113.", "2001:db8:4d5"})
                if (a.rfind(range, 0) == 0 && a.rfind("198.51.100.2/", 0) != 0) out.push_back(a);
        return out;
    }

    std::unique_ptr<NetNamespace> machine;
    std::unique_ptr<Rtnl> nl;
    std::unique_ptr<testing_support::SshPeerRig> rig;
    std::unique_ptr<Rtnl> remote_nl;
};

TEST_F(RemotePeerRun, RunPassesAndBothEndsComeBackExactlyAsFound) {
    rig->cable("nic0", "nic1");
    remote_nl->set_up(remote_nl->link("nic1").ifindex, false);  // restore must bring back "down", not "fix" it
    // A route only the remote host has: the run's ranges must avoid it as well as the machine's own
    // (198.51.100.0/30, the management link, is on both).
    remote_nl->add_address(remote_nl->link("lo").ifindex, IpAddress::parse("203.0.113.77"), 32);
    const auto parent_before = local_state("nic0");
    const auto peer_before = remote_state("nic1");
    TempFile json("r.json");
    TempFile junit("r.xml");
    const auto r = run(args({"--parent", "nic0"}, "nic1",
                            {"--filter", "reachability.bridge.plain.*", "--filter", "reachability.vepa.plain.*", "--filter",
                             "reachability.passthru.plain.*", "--filter", "*NicCertification*", "--json", json.path().string(),
                             "--junit", junit.path().string()}));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << rig->sshd_log();
    const auto report = testing_support::read(json.path());
    EXPECT_EQ(report["properties"]["remote"], rig->destination());
    EXPECT_EQ(report["properties"]["remote_if"], "nic1");
    EXPECT_EQ(report["properties"]["lent_ipv4_range"], "192.0.2.0/24") << "198.51.100/24 is routed on both, 203.0.113/24 on the remote";
    EXPECT_EQ(report["properties"]["lent_interfaces_restored"], "yes");
    EXPECT_EQ(report["cells"].size(), 60u);  // not the NIC tests, which are no cells; bridge and vepa (24 each) and passthru (12) on the plain variant
    int from_remote = 0;
    for (const auto& c : report["cells"]) {
        EXPECT_EQ(c["verdict"], "pass") << c["name"];
        if (c["name"].get<std::string>().find(".ext_to_") != std::string::npos) ++from_remote;
    }
    EXPECT_EQ(from_remote, 16) << "every ext->X cell, probed by the remote host's ping";
    EXPECT_NE(r.out.find("Slaves/NicCertification: 2 passed"), std::string::npos) << r.out;
    EXPECT_EQ(local_state("nic0").differences(parent_before), std::vector<std::string>{});
    EXPECT_EQ(remote_state("nic1").differences(peer_before), std::vector<std::string>{});
    for (const auto& j : InterfaceJournal::list())
        EXPECT_NE(InterfaceJournal::read(j).machine_netns, machine->inode()) << j << " was left behind";
    // The remote's properties (with "->" and "@" in them) still make valid JUnit for both consumers.
    for (const char* xsd : {"junit-jenkins-xunit-10.xsd", "junit-ant-windyroad.xsd"})
        EXPECT_EQ(bp::system(bp::search_path("xmllint"), "--noout", "--schema", std::string(MVC_SCHEMA_DIR) + "/" + xsd,
                             junit.path().string(), bp::std_out > bp::null, bp::std_err > bp::null),
                  0)
            << xsd;
}

// The remote port sits behind a bridge with hairpin on: frames the parent sends come back. Without
// --peer-hairpin the VEPA isolation cells must fail; declared, the run passes.
TEST_F(RemotePeerRun, UndeclaredReflectionFailsTheVepaIsolationCellsAndDeclaredItPasses) {
    rig->cable("nic0", "nic1");
    const int bridge = remote_nl->create_bridge("sw", MacAddress::local(0x61, 1));
    remote_nl->disable_bridge_multicast_snooping(bridge);
    remote_nl->set_master(remote_nl->link("nic1").ifindex, bridge);
    remote_nl->set_bridge_port_hairpin(remote_nl->link("nic1").ifindex, true);
    remote_nl->set_up(bridge);
    TempFile json("r.json");
    const auto undeclared = run(args({"--parent", "nic0"}, "sw", {"--mode", "vepa", "--filter", "reachability*", "--json", json.path().string()}));
    EXPECT_EQ(undeclared.exit_code, 1) << undeclared.out << undeclared.err;
    std::set<std::string> failed;
    const auto report = testing_support::read(json.path());
    for (const auto& c : report["cells"])
        if (c["verdict"] == "fail") failed.insert(c["name"]);
    for (const char* cell : {"reachability.vepa.plain.ipv4.c1_to_c2", "reachability.vepa.plain.ipv6.c2_to_c1",
                             "reachability.vepa.plain.ipv4.host_to_c1", "reachability.vepa.plain.ipv6.c1_to_host"})
        EXPECT_TRUE(failed.count(cell)) << cell << " passed although the remote switch reflects\n" << undeclared.out;

    const auto declared = run(args({"--parent", "nic0", "--peer-hairpin"}, "sw", {"--mode", "vepa", "--filter", "reachability*"}));
    EXPECT_EQ(declared.exit_code, 0) << declared.out << declared.err;
}

TEST_F(RemotePeerRun, SigkillMidRunThenRestoreCleansBothMachines) {
    rig->cable("nic0", "nic1");
    const auto parent_before = local_state("nic0");
    const auto peer_before = remote_state("nic1");
    bp::child run(bp::search_path("nsenter"),
                  bp::args(testing_support::in_namespace(
                      machine->fd(), args({"--parent", "nic0"}, "nic1", {"--mode", "passthru", "--filter", "reachability*", "--quiet-window-ms", "10000"}))),
                  bp::std_out > bp::null, bp::std_err > bp::null);
    // Mid-run is when the remote carries the run's addresses (and the parent has its passthru slave).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (run_addresses_on_remote("nic1").empty() && run.running() && std::chrono::steady_clock::now() < deadline) ::usleep(20'000);
    ASSERT_FALSE(run_addresses_on_remote("nic1").empty()) << "the run never configured the remote peer";
    ASSERT_TRUE(run.running());
    const auto journal = std::filesystem::path(InterfaceJournal::kDirectory) / ("journal-" + std::to_string(run.id()) + ".json");
    ::kill(run.id(), SIGKILL);
    run.wait();
    ASSERT_TRUE(std::filesystem::exists(journal)) << "a killed run must leave its journal";
    EXPECT_FALSE(run_addresses_on_remote("nic1").empty()) << "nothing was left to restore: the test proves nothing";

    const auto restored = this->run({"restore", journal.string()});
    EXPECT_EQ(restored.exit_code, 0) << restored.out << restored.err;
    EXPECT_NE(restored.out.find("nic1 on " + rig->destination() + " (remote peer)"), std::string::npos) << restored.out;
    EXPECT_EQ(run_addresses_on_remote("nic1"), std::vector<std::string>{});
    EXPECT_EQ(local_state("nic0").differences(parent_before), std::vector<std::string>{});
    EXPECT_EQ(remote_state("nic1").differences(peer_before), std::vector<std::string>{});
    EXPECT_FALSE(std::filesystem::exists(journal)) << "a successful restore removes the journal";
}

// SIGTERM while topologies are being built and probed, at three moments: both machines come back,
// the journal and the ssh control directory go, and the exit code says which signal it was. (The
// race between the restore and a topology still adding addresses is rare at any given moment; the
// mechanism that closes it is tested directly below.)
TEST_F(RemotePeerRun, SigtermMidRunRestoresBothMachinesBeforeExiting) {
    rig->cable("nic0", "nic1");
    const auto parent_before = local_state("nic0");
    const auto peer_before = remote_state("nic1");
    for (int attempt = 0; attempt < 3; ++attempt) {
        bp::child run(bp::search_path("nsenter"),
                      bp::args(testing_support::in_namespace(machine->fd(), args({"--parent", "nic0"}, "nic1", {"--filter", "reachability*"}))),
                      bp::std_out > bp::null, bp::std_err > bp::null);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (run_addresses_on_remote("nic1").empty() && run.running() && std::chrono::steady_clock::now() < deadline) ::usleep(5'000);
        ::usleep(static_cast<useconds_t>(attempt * 150'000));  // a different moment of the run each time
        ASSERT_TRUE(run.running()) << "attempt " << attempt << ": the run ended before it could be interrupted";
        const auto pid = run.id();
        ::kill(pid, SIGTERM);
        run.wait();
        EXPECT_EQ(run.exit_code(), 128 + SIGTERM) << "attempt " << attempt;
        EXPECT_EQ(run_addresses_on_remote("nic1"), std::vector<std::string>{}) << "attempt " << attempt;
        EXPECT_EQ(remote_state("nic1").differences(peer_before), std::vector<std::string>{}) << "attempt " << attempt;
        EXPECT_EQ(local_state("nic0").differences(parent_before), std::vector<std::string>{}) << "attempt " << attempt;
        EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(InterfaceJournal::kDirectory) / ("journal-" + std::to_string(pid) + ".json")));
        for (const auto& e : std::filesystem::directory_iterator(std::filesystem::temp_directory_path()))
            EXPECT_NE(e.path().filename().string().rfind("mvc-ssh-" + std::to_string(pid) + "-", 0), 0u) << e.path() << " was left behind";
    }
}

// The restore's guard: once a thread has stopped the others, it waits for their running commands
// and every later command of theirs is refused, while its own still run.
TEST_F(RemotePeerRun, StoppingOtherThreadsWaitsForTheirCommandsAndRefusesNewOnes) {
    RemoteShell shell(*machine, {rig->destination(), rig->ssh_config().string()});
    std::atomic<bool> started{false};
    auto slow = std::async(std::launch::async, [&] {
        started = true;
        return shell.run({"sleep", "1"});
    });
    while (!started) std::this_thread::yield();
    ::usleep(100'000);  // let the slow command reach the remote before stopping
    const auto before = std::chrono::steady_clock::now();
    shell.stop_other_threads();
    const auto waited = std::chrono::steady_clock::now() - before;
    EXPECT_TRUE(slow.get().ok()) << "the running command was cut short";
    EXPECT_GE(waited, std::chrono::milliseconds(500)) << "stop_other_threads did not wait for the running command";
    auto late = std::async(std::launch::async, [&] { return shell.run({"true"}); });
    EXPECT_THROW(late.get(), RemoteError);
    EXPECT_TRUE(shell.run({"true"}).ok()) << "the stopping thread must keep the shell";
}

// A journal of another network namespace may be a live run elsewhere: restore refuses it before
// it touches anything, the remote peer included.
TEST_F(RemotePeerRun, RestoreOfAnotherNamespacesJournalLeavesTheRemoteAlone) {
    rig->cable("nic0", "nic1");
    InterfaceJournal journal;
    journal.pid = 0x3ffffff;  // above any pid_max: no live process owns it
    journal.machine_netns = machine->inode() + 1;
    journal.remote = InterfaceJournal::RemotePeer{rig->destination(), rig->ssh_config().string(), remote_state("nic1"),
                                                  {"203.0.113.0/24", "2001:db8:4d56::/64"}};
    journal.write();
    struct Remove {
        std::filesystem::path p;
        ~Remove() {
            std::error_code ec;
            std::filesystem::remove(p, ec);
            std::filesystem::remove(InterfaceJournal::kDirectory, ec);
        }
    } remove{journal.path()};
    remote_nl->add_address(remote_nl->link("nic1").ifindex, IpAddress::parse("203.0.113.5"), 24);  // "the other run's"
    const auto r = run({"restore", journal.path().string()});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("belongs to network namespace"), std::string::npos) << r.out;
    EXPECT_EQ(run_addresses_on_remote("nic1"), std::vector<std::string>{"203.0.113.5/24"});
    EXPECT_TRUE(std::filesystem::exists(journal.path())) << "a refused journal is kept";
}

TEST_F(RemotePeerRun, TheInterfaceTheSshSessionArrivesOnIsRefused) {
    rig->cable("nic0", "nic1");
    const auto before = remote_state("mgmt");
    const auto r = run(args({"--parent", "nic0", "--allow-busy-parent"}, "mgmt"));
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("is the interface this ssh session reaches"), std::string::npos) << r.err;
    EXPECT_EQ(remote_state("mgmt").differences(before), std::vector<std::string>{});
}

TEST_F(RemotePeerRun, ARemotePortWithAddressesIsRefusedAndUntouched) {
    rig->cable("nic0", "nic1");
    remote_nl->add_address(remote_nl->link("nic1").ifindex, IpAddress::parse("192.0.2.9"), 24);
    const auto before = remote_state("nic1");
    const auto r = run(args({"--parent", "nic0"}, "nic1"));
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("--remote-if nic1 on " + rig->destination() + " is in use: it has addresses (192.0.2.9/24)"), std::string::npos) << r.err;
    EXPECT_EQ(remote_state("nic1").differences(before), std::vector<std::string>{});
}

TEST_F(RemotePeerRun, ALoginThatNeedsAPromptIsRefusedWithWhatToDo) {
    rig->cable("nic0", "nic1");
    const auto r = run({"--parent", "nic0", "--remote", "nobody@198.51.100.2", "--remote-if", "nic1", "--remote-ssh-config",
                        rig->ssh_config().string()});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("failed in ssh"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("key authentication"), std::string::npos) << r.err;
    EXPECT_TRUE(nl->link("nic0").up()) << "the parent was left as it was";
}

TEST_F(RemotePeerRun, AMissingRemoteInterfaceIsRefused) {
    rig->cable("nic0", "nic1");
    const auto r = run(args({"--parent", "nic0"}, "nic9"));
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("has no interface named 'nic9'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mvc
