// A parent you bring (--parent/--peer), the journal and `restore`, and rootless runs. The "real"
// interfaces are veth pairs the test creates in a namespace of its own, which the binary runs in
// (nsenter) and treats as the machine's namespace, so nothing here touches the real machine.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "conformance_process.hpp"
#include "fixture_files.hpp"
#include "interface_journal.hpp"
#include "machine_routes.hpp"
#include "root_snapshot.hpp"

namespace mvc {
namespace {

using testing_support::TempFile;
namespace bp = boost::process;

// A namespace standing in for a machine, with a cabled pair of "NICs" in it.
class LentParent : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: lends interfaces of a machine namespace";
        machine = std::make_unique<NetNamespace>(NetNamespace::create());
        nl = std::make_unique<Rtnl>(*machine);
    }

    void cable(const std::string& a, const std::string& b) {
        const uint8_t first = next_mac_;
        next_mac_ = static_cast<uint8_t>(next_mac_ + 2);
        nl->create_veth(a, MacAddress::local(0x50, first), b, MacAddress::local(0x50, static_cast<uint8_t>(first + 1)), *machine);
        nl->set_up(nl->link(a).ifindex);
        nl->set_up(nl->link(b).ifindex);
    }

    InterfaceState state(const std::string& name) { return InterfaceState::capture(*nl, nl->link(name).ifindex, ""); }

    // Runs the binary inside the stand-in machine namespace.
    std::vector<std::string> in_machine(std::vector<std::string> args) { return testing_support::in_namespace(machine->fd(), args); }
    testing_support::ProcessResult run(std::vector<std::string> args) { return testing_support::run_conformance_in(machine->fd(), args); }

    std::unique_ptr<NetNamespace> machine;
    std::unique_ptr<Rtnl> nl;

private:
    uint8_t next_mac_ = 0;
};

TEST_F(LentParent, RunPassesAndBothInterfacesComeBackExactlyAsFound) {
    cable("nic0", "nic1");
    nl->set_mtu(nl->link("nic0").ifindex, 1450);
    nl->set_mtu(nl->link("nic1").ifindex, 1450);
    nl->set_promisc(nl->link("nic1").ifindex, true);  // something restore must keep, not "fix"
    const auto parent_before = state("nic0");
    const auto peer_before = state("nic1");
    TempFile json("r.json");
    const auto r = run({"--parent", "nic0", "--peer", "nic1", "--mode", "bridge", "--mode", "vepa", "--mode", "passthru",
                        "--filter", "reachability*", "--json", json.path().string()});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto report = testing_support::read(json.path());
    EXPECT_EQ(report["properties"]["parent_kind"], "lent");
    EXPECT_EQ(report["properties"]["parent_driver"], "veth");
    EXPECT_EQ(report["cells"].size(), 60u);  // bridge and vepa (24 each) and passthru (12) on the plain variant
    EXPECT_EQ(state("nic0").differences(parent_before), std::vector<std::string>{});
    EXPECT_EQ(state("nic1").differences(peer_before), std::vector<std::string>{});
    for (const auto& j : InterfaceJournal::list())
        EXPECT_NE(InterfaceJournal::read(j).machine_netns, machine->inode()) << j << " was left behind";
}

// The user said nothing about reflection, but the "cable" runs through a bridge with hairpin on the
// parent's port: VEPA slaves then reach each other, and the run must say the environment is not
// what it was told, instead of passing.
TEST_F(LentParent, UndeclaredHairpinSwitchFailsTheVepaIsolationCells) {
    cable("nic0", "sw0");
    cable("sw1", "nic1");
    const int bridge = nl->create_bridge("sw", MacAddress::local(0x51, 1));
    nl->set_master(nl->link("sw0").ifindex, bridge);
    nl->set_master(nl->link("sw1").ifindex, bridge);
    nl->set_bridge_port_hairpin(nl->link("sw0").ifindex, true);
    nl->set_up(bridge);
    TempFile json("r.json");
    const auto r = run({"--parent", "nic0", "--peer", "nic1", "--mode", "vepa", "--filter", "reachability*", "--json", json.path().string()});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    std::set<std::string> failed;
    const auto report = testing_support::read(json.path());
    for (const auto& c : report["cells"])
        if (c["verdict"] == "fail") failed.insert(c["name"]);
    for (const char* cell : {"reachability.vepa.plain.ipv4.c1_to_c2", "reachability.vepa.plain.ipv6.c2_to_c1",
                             "reachability.vepa.plain.ipv4.host_to_c1", "reachability.vepa.plain.ipv6.c1_to_host"})
        EXPECT_TRUE(failed.count(cell)) << cell << " passed although the switch reflects";
}

TEST_F(LentParent, SigkillDuringAPassthruRunThenRestoreBringsTheParentBack) {
    cable("nic0", "nic1");
    nl->set_mtu(nl->link("nic0").ifindex, 1480);
    const auto parent_before = state("nic0");
    const auto peer_before = state("nic1");
    bp::ipstream out;
    bp::child run(bp::search_path("nsenter"),
                  bp::args(in_machine({"--parent", "nic0", "--peer", "nic1", "--mode", "passthru", "--filter", "reachability*",
                                       "--quiet-window-ms", "10000"})),
                  bp::std_out > out, bp::std_err > bp::null);
    std::string line;
    while (std::getline(out, line) && line.rfind("running", 0) != 0) {
    }
    // The passthru slave exists once its topology is built; give it that long, then kill.
    for (int i = 0; i < 50 && run.running(); ++i) ::usleep(10'000);
    ASSERT_TRUE(run.running());
    const auto journal = std::filesystem::path(InterfaceJournal::kDirectory) / ("journal-" + std::to_string(run.id()) + ".json");
    ::kill(run.id(), SIGKILL);
    run.wait();
    ASSERT_TRUE(std::filesystem::exists(journal)) << "a killed run must leave its journal";
    EXPECT_FALSE(nl->find_link("nic1").has_value()) << "the peer should still be in the run's pinned namespace";

    const auto restored = this->run({"restore", journal.string()});
    EXPECT_EQ(restored.exit_code, 0) << restored.out << restored.err;
    EXPECT_EQ(state("nic0").differences(parent_before), std::vector<std::string>{});
    EXPECT_EQ(state("nic1").differences(peer_before), std::vector<std::string>{});
    EXPECT_FALSE(std::filesystem::exists(journal)) << "a successful restore removes the journal";
    EXPECT_FALSE(std::filesystem::exists("/run/netns/mvc" + std::to_string(run.id()) + "-ext"));
}

TEST_F(LentParent, ParentCarryingTheDefaultRouteIsRefusedAndUntouched) {
    cable("nic0", "nic1");
    const int nic0 = nl->link("nic0").ifindex;
    DeviceRoute default_route(*nl, IpPrefix::parse("0.0.0.0/0"), nic0);
    const auto before = state("nic0");
    const auto r = run({"--parent", "nic0", "--peer", "nic1"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("it carries the default route"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--allow-busy-parent"), std::string::npos) << r.err;
    EXPECT_EQ(state("nic0").differences(before), std::vector<std::string>{});
    EXPECT_TRUE(nl->find_link("nic1").has_value()) << "the peer was moved although the run was refused";
}

// The machine's own uplink: refused before anything is touched.
TEST(LentMachineParent, Eth0WithTheDefaultRouteIsRefused) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    const NetNamespace root = NetNamespace::of_current_thread();
    Rtnl rtnl(root);
    const auto eth0 = rtnl.find_link("eth0");
    bool carries_default = false;
    if (eth0)
        for (const auto& r : dump_routes(rtnl)) carries_default = carries_default || (r.ifindex == eth0->ifindex && r.destination.length == 0);
    if (!carries_default) GTEST_SKIP() << "this machine's eth0 does not carry the default route";
    const auto before = testing_support::root_namespace_snapshot();
    const auto r = testing_support::run_conformance({"--parent", "eth0", "--peer", "eth0-peer-that-is-never-reached"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--parent eth0 is in use: it carries the default route"), std::string::npos) << r.err;
    EXPECT_EQ(testing_support::root_namespace_snapshot(), before);
}

// Without root the tool enters a user namespace of its own; the default run must still pass.
TEST(Rootless, UnprivilegedDefaultRunPassesEveryCell) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to an unprivileged user for the test";
    char dir[] = "/tmp/mvc-rootless-XXXXXX";
    const std::filesystem::path out = ::mkdtemp(dir);
    ::chmod(out.c_str(), 0777);
    struct Remove {
        std::filesystem::path p;
        ~Remove() { std::filesystem::remove_all(p); }
    } remove{out};
    const auto json = out / "r.json";
    bp::ipstream stdout_stream;
    const int rc = bp::system(bp::search_path("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                              MVC_CONFORMANCE_BINARY, "--filter", "reachability*", "--json", json.string(), bp::std_out > bp::null);
    ASSERT_EQ(rc, 0) << "as nobody";
    const auto report = testing_support::read(json);
    int passed = 0;
    for (const auto& c : report["cells"]) {
        EXPECT_NE(c["verdict"], "fail") << c["name"];
        if (c["verdict"] == "pass") ++passed;
    }
    EXPECT_GE(passed, 200);
    EXPECT_NE(report["properties"]["feature.privileges"].get<std::string>().find("rootless"), std::string::npos);
}

}  // namespace
}  // namespace mvc
