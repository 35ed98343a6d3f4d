// SPDX-License-Identifier: MIT
// Lifecycle: what happens to slaves when their mode, their parent or their namespace changes.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <sstream>

#include "echo_probe.hpp"
#include "link_events.hpp"
#include "reachability_campaign.hpp"
#include "suite_context.hpp"
#include "topology.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

using namespace std::chrono_literals;

// ---- Mode change at runtime ---------------------------------------------------------------------

// macvlan_changelink sets vlan->mode in place (bridge, vepa and private may be switched freely), and
// macvlan_queue_xmit / macvlan_handle_frame read it per frame. So after each change the topology
// must behave exactly as one built in the new mode: the same expectation data must hold.
class ModeChange : public KernelTest {
protected:
    FeatureList needs() const override { return {&Capabilities::bridge, &Capabilities::ipv6}; }

    // Builds the variant in bridge mode, then walks it through the modes, re-probing every cell
    // from cold caches after each change. Returns one line per cell that disagrees.
    static std::string walk_modes(const std::string& variant) {
        const auto& context = suite_context();
        const TopologySpec* spec = context.catalog.find("bridge", variant);
        if (!spec) return "no topology bridge." + variant + " in the catalog\n";
        auto topology = Topology::build(*spec, {});
        std::ostringstream differences;
        for (auto mode : {MacvlanMode::bridge, MacvlanMode::vepa, MacvlanMode::private_, MacvlanMode::bridge}) {
            for (const auto& slave : spec->slaves) {
                auto& node = topology->node(slave.name);
                change_macvlan(*node.rtnl, node.ifindex, mode_change(mode));
                if (macvlan_info(*node.rtnl, node.ifindex).mode != static_cast<uint32_t>(mode))
                    differences << variant << ": the slave did not take mode " << to_string(mode) << "\n";
            }
            // What the previous mode taught the caches must not decide this mode's cells.
            for (const auto& e : spec->endpoints()) topology->node(e).rtnl->flush_neighbours();
            std::vector<CellId> cells;
            for (auto family : {Family::ipv4, Family::ipv6})
                for (const auto& [from, to] : spec->cell_pairs()) cells.push_back({std::string(to_string(mode)), variant, family, from, to});
            for (const auto& [cell, seen] : probe_cells(*topology, cells, CampaignOptions{})) {
                const auto& expected = context.expectations.at(cell);
                if (!seen.trusted) differences << cell.name() << ": not trusted: " << seen.problem << "\n";
                if (seen.observed != expected.expected)
                    differences << cell.name() << ": expected " << to_string(expected.expected) << ", observed "
                                << to_string(seen.observed) << " (" << expected.reason << ")\n";
            }
        }
        return differences.str();
    }
};

TEST_F(ModeChange, BridgeToVepaToPrivateAtRuntimeFollowsTheExpectations) {
    // Both variants at once: each walk spends most of its time in quiet windows.
    auto plain = std::async(std::launch::async, [] { return walk_modes("plain"); });
    auto hairpin = std::async(std::launch::async, [] { return walk_modes("hairpin"); });
    EXPECT_EQ(plain.get() + hairpin.get(), "") << "after changing the mode of running topologies (bridge -> vepa -> private -> bridge)";
}

// ---- Carrier, MTU ---------------------------------------------------------------------------------

class SlaveOfVeth : public LabTest {
protected:
    void prepare() override {
        slave = lab->add_slave("mv1", MacvlanMode::bridge, VethLab::slave_mac(1));
        lab->host_nl->set_up(slave);
    }
    bool carrier(int ifindex) { return lab->host_nl->link(ifindex).carrier; }  // IFLA_CARRIER
    int slave = 0;
};

using Carrier = SlaveOfVeth;
using Mtu = SlaveOfVeth;

// macvlan_device_event: NETDEV_CHANGE on the lower device -> netif_stacked_transfer_operstate.
// Asserted on IFLA_CARRIER itself, not on the operstate string.
TEST_F(Carrier, SlaveLosesAndRegainsCarrierWithTheParent) {
    LinkEvents events(lab->host);
    ASSERT_TRUE(events.wait_until([&] { return carrier(lab->parent) && carrier(slave); }, 5s));
    lab->ext_nl->set_up(lab->peer, false);  // a veth has carrier only while its peer is up
    EXPECT_TRUE(events.wait_until([&] { return !carrier(lab->parent); }, 5s));
    EXPECT_TRUE(events.wait_until([&] { return !carrier(slave); }, 5s)) << "the slave kept its carrier";
    lab->ext_nl->set_up(lab->peer, true);
    EXPECT_TRUE(events.wait_until([&] { return carrier(slave); }, 5s)) << "the slave did not regain carrier";
    EXPECT_TRUE(carrier(lab->parent));
}

// macvlan_device_event NETDEV_CHANGEMTU: slaves above the lower device's new MTU are clamped to it;
// slaves already below it, and every slave when the parent's MTU grows again, are left alone.
TEST_F(Mtu, LoweringTheParentsMtuClampsTheSlaves) {
    const int small = lab->add_slave("mv2", MacvlanMode::vepa, VethLab::slave_mac(2));
    lab->host_nl->set_mtu(small, 1300);
    lab->host_nl->set_mtu(lab->parent, 1400);
    EXPECT_EQ(lab->host_nl->link(slave).mtu, 1400u);
    EXPECT_EQ(lab->host_nl->link(small).mtu, 1300u);
    lab->host_nl->set_mtu(lab->parent, 1500);
    EXPECT_EQ(lab->host_nl->link(slave).mtu, 1400u) << "growing the parent does not grow its slaves";
}

// ---- Deletion and namespaces ------------------------------------------------------------------------

class SlavesInContainers : public LabTest {
protected:
    void prepare() override {
        for (int i = 0; i < 2; ++i) {
            containers.push_back(std::make_unique<NetNamespace>(NetNamespace::create()));
            container_nl.push_back(std::make_unique<Rtnl>(*containers.back()));
            MacvlanSpec spec;
            spec.name = "eth0";
            spec.lower_ifindex = lab->parent;
            spec.mode = MacvlanMode::bridge;
            spec.mac = VethLab::slave_mac(static_cast<uint8_t>(i + 1));
            spec.target = containers.back().get();
            create_macvlan(*lab->host_nl, spec);
            container_nl.back()->set_up(container_nl.back()->link("eth0").ifindex);
        }
    }
    bool has_slave(size_t i) { return container_nl[i]->find_link("eth0").has_value(); }
    uint32_t parent_counter() { return lab->parent_link().promiscuity; }

    std::vector<std::unique_ptr<NetNamespace>> containers;
    std::vector<std::unique_ptr<Rtnl>> container_nl;
};

using Deletion = SlavesInContainers;
using NamespaceMove = SlavesInContainers;

// macvlan_device_event NETDEV_UNREGISTER: deleting the lower device deletes every slave, in
// whatever namespace it lives.
TEST_F(Deletion, DeletingTheParentRemovesEverySlaveInEveryNamespace) {
    ASSERT_TRUE(has_slave(0) && has_slave(1));
    lab->host_nl->delete_link(lab->parent);
    LinkEvents events({containers[0].get(), containers[1].get()});
    EXPECT_TRUE(events.wait_until([&] { return !has_slave(0) && !has_slave(1); }, 5s));
}

// A namespace that dies deletes its virtual devices (default_device_exit_batch -> macvlan_dellink).
// Seen from the parent: the slave's unicast address leaves the parent's list (macvlan_stop), so a
// veth parent drops the promiscuity it took for it, and once both are gone the port is empty
// enough to take a passthru slave (macvlan_common_newlink refuses one beside other slaves).
TEST_F(Deletion, ClosingAContainerNamespaceRemovesItsSlave) {
    ASSERT_EQ(parent_counter(), 1u) << "two bridge slaves up on a veth: one uc_promisc reference";
    LinkEvents events(lab->host);
    container_nl.clear();  // a socket holds its namespace, so the sockets go first
    containers.clear();
    EXPECT_TRUE(events.wait_until([&] { return parent_counter() == 0; }, 10s))
        << "the parent still holds promiscuity for the slaves: they outlived their namespaces";
    EXPECT_NO_THROW(lab->add_slave("pt", MacvlanMode::passthru)) << "the port still has slaves";
}

// A slave can move between namespaces (dev_change_net_namespace); it stays attached to its parent.
TEST_F(NamespaceMove, SlaveMovesToAnotherNamespaceAndStillWorks) {
    const int moved = container_nl[0]->link("eth0").ifindex;
    const NetNamespace target = NetNamespace::create();
    Rtnl target_nl(target);
    container_nl[0]->move_to(moved, target);
    EXPECT_FALSE(has_slave(0)) << "the slave is still in its old namespace";
    const auto arrived = target_nl.find_link("eth0");
    ASSERT_TRUE(arrived.has_value()) << "the slave did not arrive in the new namespace";
    EXPECT_EQ(arrived->mac, VethLab::slave_mac(1));

    auto ip = [](unsigned n) { return IpAddress::v4((192u << 24) | (2u << 8) | n); };
    target_nl.add_address(arrived->ifindex, ip(20), 24);
    target_nl.set_up(arrived->ifindex);
    lab->ext_nl->add_address(lab->peer, ip(21), 24);
    lab->wait_until_wire_is_up();
    const auto r = run_echo_probes({{&lab->ext, ip(21), ip(20)}}, {20ms, 5s});
    EXPECT_TRUE(r[0].replied) << "ext cannot reach the moved slave";
}

}  // namespace
}  // namespace mvc
