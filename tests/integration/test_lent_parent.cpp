// SPDX-License-Identifier: MIT
// A parent you bring (--parent/--peer), the journal and `restore`, and rootless runs. The "real"
// interfaces are veth pairs the test creates in a namespace of its own, which the binary runs in
// (nsenter) and treats as the machine's namespace, so nothing here touches the real machine.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/ip.h>

#include <arpa/inet.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <filesystem>
#include <functional>
#include <thread>
#include <nlohmann/json.hpp>

#include "conformance_process.hpp"
#include "fixture_files.hpp"
#include "interface_journal.hpp"
#include "machine_routes.hpp"
#include "net_proc.hpp"
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

    // A restore that failed keeps its journal and pinned namespace for the user to retry. Here the
    // "machine" dies with the test, and so must they: the pin would keep the peer's namespace alive.
    void TearDown() override {
        if (!machine) return;
        for (const auto& file : InterfaceJournal::list()) {
            try {
                const auto journal = InterfaceJournal::read(file);
                if (journal.machine_netns != machine->inode()) continue;
                for (const auto& name : journal.pinned_namespaces) {
                    const std::string pin = "/run/netns/" + name;
                    ::umount2(pin.c_str(), MNT_DETACH);
                    ::unlink(pin.c_str());
                }
                forget_journal(journal);
            } catch (const std::exception&) {
                // Not a journal this test could have written.
            }
        }
    }

    // `before_up` configures the two ends (by ifindex) while they are still down.
    void cable(const std::string& a, const std::string& b, const std::function<void(int, int)>& before_up = {}) {
        const uint8_t first = next_mac_;
        next_mac_ = static_cast<uint8_t>(next_mac_ + 2);
        nl->create_veth(a, MacAddress::local(0x50, first), b, MacAddress::local(0x50, static_cast<uint8_t>(first + 1)), *machine);
        if (before_up) before_up(nl->link(a).ifindex, nl->link(b).ifindex);
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
                        "--filter", "reachability.bridge.*",
                        "--filter", "reachability.vepa.*", "--filter", "reachability.passthru.*", "--json", json.path().string()});
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

// --pcap-dir on a lent wire: the captures of a failed cell are filtered by the run's actual address
// plan. The machine already routes 198.51.100.0/24 (the first lent range), so the run must take
// the next free one; a capture filtered by the default plan (192.0.2.0/24 inside the harness's own
// namespaces) or by the first lent range would come out empty. The pcap is read here byte by byte,
// not through the harness's frame parsers.
namespace pcap_reading {

struct Addresses {
    std::vector<std::string> v4, v6;  // every source/destination seen, as text
    size_t echo_requests = 0;         // ICMP type 8 / ICMPv6 type 128
    size_t frames = 0;
};

std::string v4_text(const unsigned char* p) {
    return std::to_string(p[0]) + "." + std::to_string(p[1]) + "." + std::to_string(p[2]) + "." + std::to_string(p[3]);
}

Addresses read_capture(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Addresses out;
    if (bytes.size() < 24) return out;
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    uint32_t magic, linktype;
    std::memcpy(&magic, b, 4);
    std::memcpy(&linktype, b + 20, 4);
    EXPECT_TRUE(magic == 0xa1b2c3d4u || magic == 0xa1b23c4du) << file << ": not a pcap file (micro- or nanosecond) in this machine's byte order";
    EXPECT_EQ(linktype, 1u) << file << ": not LINKTYPE_ETHERNET";
    for (size_t at = 24; at + 16 <= bytes.size();) {
        uint32_t caplen;
        std::memcpy(&caplen, b + at + 8, 4);
        const unsigned char* f = b + at + 16;
        at += 16 + caplen;
        if (at > bytes.size()) break;
        ++out.frames;
        if (caplen < 14) continue;
        const unsigned type = f[12] << 8 | f[13];
        if (type == 0x0800 && caplen >= 34) {
            out.v4.push_back(v4_text(f + 26));
            out.v4.push_back(v4_text(f + 30));
            const size_t ihl = (f[14] & 0x0f) * 4u;
            if (f[23] == 1 && caplen > 14 + ihl && f[14 + ihl] == 8) ++out.echo_requests;
        } else if (type == 0x86dd && caplen >= 54) {
            for (size_t o : {size_t{22}, size_t{38}}) {
                char text[INET6_ADDRSTRLEN];
                ::inet_ntop(AF_INET6, f + o, text, sizeof text);
                out.v6.push_back(text);
            }
            if (f[20] == 58 && caplen > 54 && f[54] == 128) ++out.echo_requests;
        } else if (type == 0x0806 && caplen >= 42) {
            out.v4.push_back(v4_text(f + 28));
            out.v4.push_back(v4_text(f + 38));
        }
    }
    return out;
}

}  // namespace pcap_reading

TEST_F(LentParent, PcapDirCapturesAFailedCellInTheLentAddressRange) {
    cable("nic0", "sw0");
    cable("sw1", "nic1");
    const int bridge = nl->create_bridge("sw", MacAddress::local(0x51, 1));
    nl->set_master(nl->link("sw0").ifindex, bridge);
    nl->set_master(nl->link("sw1").ifindex, bridge);
    nl->set_bridge_port_hairpin(nl->link("sw0").ifindex, true);  // undeclared: the VEPA cells fail
    nl->set_up(bridge);
    cable("busy0", "busy1");
    nl->add_address_text(nl->link("busy0").ifindex, "198.51.100.1/24");  // the machine routes the first lent range
    TempFile json("r.json");
    const auto captures = json.path().parent_path() / "captures";
    const auto r = run({"--parent", "nic0", "--peer", "nic1", "--mode", "vepa", "--filter", "reachability.vepa.plain.*.c1_to_c2",
                        "--pcap-dir", captures.string(), "--json", json.path().string()});
    ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
    const auto report = testing_support::read(json.path());
    ASSERT_EQ(report["properties"]["lent_ipv4_range"], "203.0.113.0/24") << report["properties"].dump();
    const auto v4 = IpPrefix::parse(report["properties"]["lent_ipv4_range"].get<std::string>());
    const auto v6 = IpPrefix::parse(report["properties"]["lent_ipv6_range"].get<std::string>());
    for (const char* family : {"ipv4", "ipv6"}) {
        const std::string cell = std::string("reachability.vepa.plain.") + family + ".c1_to_c2";
        const auto file = captures / (cell + ".c1.pcap");
        ASSERT_TRUE(std::filesystem::exists(file)) << file << " missing; output:\n" << r.out;
        const auto seen = pcap_reading::read_capture(file);
        EXPECT_GT(seen.frames, 0u) << file << " is empty: the capture was filtered by another address plan";
        EXPECT_GT(seen.echo_requests, 0u) << file << " holds no echo request of the cell";
        const auto& addresses = std::string(family) == "ipv4" ? seen.v4 : seen.v6;
        EXPECT_FALSE(addresses.empty()) << file;
        for (const auto& a : addresses) {
            const auto prefix = std::string(family) == "ipv4" ? v4 : v6;
            const auto host = IpPrefix::parse(a + (std::string(family) == "ipv4" ? "/32" : "/128"));
            if (a.rfind("fe80:", 0) == 0 || a.rfind("ff02:", 0) == 0 || a == "::") continue;  // link-local and ND multicast
            EXPECT_TRUE(prefix.overlaps(host)) << file << ": " << a << " is outside the run's range " << prefix.str();
        }
    }
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

// A pair as machines whose IPv6 systemd-networkd or NetworkManager manage have them: no
// kernel-made link-local address (addrgenmode none), IPv6 off on the peer, a custom MTU, ARP and
// neighbour settings unlike any namespace's defaults. Moving the peer into the run's namespace and
// back gives it that namespace's defaults twice; the run changes some of the parent's itself.
class LentPairWithSettings : public LentParent {
protected:
    void SetUp() override {
        LentParent::SetUp();
        if (IsSkipped()) return;
        if (bp::search_path("ip").empty()) GTEST_SKIP() << "needs iproute2's ip to observe the interfaces";
        cable("nic0", "nic1", [&](int nic0, int nic1) {
            for (int l : {nic0, nic1}) {
                nl->disable_ipv6_link_local(l);  // addrgenmode none
                nl->set_mtu(l, 1400);
            }
            ASSERT_TRUE(write_net_sysctl(*machine, "ipv6/conf/nic1/disable_ipv6", "1")) << "no IPv6 in this kernel";
            nl->set_ipv4_conf(nic1, IPV4_DEVCONF_ARP_IGNORE, 2);
            nl->set_ipv4_conf(nic0, IPV4_DEVCONF_ARP_IGNORE, 1);
            // Multiples of 20 ms: the kernel keeps them in jiffies (HZ 100, 250, 300 or 1000).
            nl->set_neighbour_retransmit(nic1, Family::ipv4, 1500);
            nl->set_neighbour_retransmit(nic0, Family::ipv6, 800);
        });
        before = observe();
        // The setting the test is about, as an independent observer sees it: else it proves nothing.
        ASSERT_EQ(before["nic1"]["ip -d -j link"][0]["inet6_addr_gen_mode"], "none") << before.dump(1);
        ASSERT_EQ(before["nic1"]["ipv6/conf"]["disable_ipv6"], "1\n");
        ASSERT_EQ(before["nic1"]["ipv4/conf"]["arp_ignore"], "2\n");
        ASSERT_EQ(before["nic0"]["ipv6/neigh"]["retrans_time_ms"], "800\n");
        ASSERT_EQ(before["nic0"]["ip -j addr"][0]["addr_info"].size(), 0u) << "addrgenmode none made no link-local address";
    }

    nlohmann::json observe() {
        return {{"nic0", testing_support::interface_observation(*machine, "nic0")},
                {"nic1", testing_support::interface_observation(*machine, "nic1")}};
    }

    // Both ends as `ip` and /proc show them, identical to `before`. Operational state follows the
    // carrier through linkwatch, up to a second late: the comparison is repeated for 5 s at most.
    void expect_came_back_identical() {
        auto now = observe();
        for (int i = 0; i < 50 && now != before; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            now = observe();
        }
        EXPECT_TRUE(now == before) << "what changed (JSON patch from before to after):\n" << nlohmann::json::diff(before, now).dump();
    }

    // Starts a run with the pair lent, returns once it has begun running tests.
    bp::child start_run(bp::ipstream& out) {
        bp::child run(bp::search_path("nsenter"),
                      bp::args(in_machine({"--parent", "nic0", "--peer", "nic1", "--mode", "bridge", "--filter", "reachability*",
                                           "--quiet-window-ms", "10000"})),
                      bp::std_out > out, bp::std_err > bp::null);
        std::string line;
        while (std::getline(out, line) && line.rfind("running", 0) != 0) {
        }
        for (int i = 0; i < 50 && run.running(); ++i) ::usleep(10'000);
        return run;
    }

    std::filesystem::path journal_of(const bp::child& run) const {
        return std::filesystem::path(InterfaceJournal::kDirectory) / ("journal-" + std::to_string(run.id()) + ".json");
    }

    nlohmann::json before;
};

TEST_F(LentPairWithSettings, ComesBackIdenticalAfterARun) {
    const auto r = run({"--parent", "nic0", "--peer", "nic1", "--mode", "bridge", "--filter", "reachability*"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_came_back_identical();
}

TEST_F(LentPairWithSettings, ComesBackIdenticalAfterSigtermDuringTheRun) {
    bp::ipstream out;
    auto run = start_run(out);
    ASSERT_TRUE(run.running());
    const auto journal = journal_of(run);
    ::kill(run.id(), SIGTERM);
    run.wait();
    EXPECT_EQ(run.exit_code(), 128 + SIGTERM) << "the run restores, then exits 128 + the signal";
    EXPECT_FALSE(std::filesystem::exists(journal)) << "a run that restored everything removes its journal";
    expect_came_back_identical();
}

TEST_F(LentPairWithSettings, ComesBackIdenticalAfterSigkillAndRestore) {
    bp::ipstream out;
    auto run = start_run(out);
    ASSERT_TRUE(run.running());
    const auto journal = journal_of(run);
    ::kill(run.id(), SIGKILL);
    run.wait();
    ASSERT_TRUE(std::filesystem::exists(journal)) << "a killed run must leave its journal";
    // What a killed run may leave on the parent, which stays in the machine's namespace: restore
    // must put back settings that were changed there too, not only those a move resets, and take
    // away the EUI-64 link-local address the kernel makes when IPv6 comes back on under them.
    const int nic0 = nl->link("nic0").ifindex;
    nl->set_ipv4_conf(nic0, IPV4_DEVCONF_ARP_IGNORE, 8);
    nl->set_neighbour_retransmit(nic0, Family::ipv6, 1000);
    nl->set_addr_gen_mode(nic0, IN6_ADDR_GEN_MODE_EUI64);
    ASSERT_TRUE(write_net_sysctl(*machine, "ipv6/conf/nic0/disable_ipv6", "1"));
    ASSERT_TRUE(write_net_sysctl(*machine, "ipv6/conf/nic0/disable_ipv6", "0"));
    auto link_locals = [&] {
        int n = 0;
        for (const auto& a : nl->addresses()) n += a.ifindex == nic0 && a.address.rfind("fe80:", 0) == 0;
        return n;
    };
    for (int i = 0; i < 100 && link_locals() == 0; ++i) ::usleep(20'000);
    ASSERT_EQ(link_locals(), 1) << "the kernel made no EUI-64 link-local address on nic0";
    const auto restored = this->run({"restore", journal.string()});
    EXPECT_EQ(restored.exit_code, 0) << restored.out << restored.err;
    EXPECT_FALSE(std::filesystem::exists(journal));
    expect_came_back_identical();
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
