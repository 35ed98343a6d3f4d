// SPDX-License-Identifier: MIT
// Passthru: one slave that takes over its lower device (MAC address, all unicast traffic), and the
// exclusivity rules that protect that.
#include <gtest/gtest.h>

#include <memory>

#include "echo_probe.hpp"
#include "errno_assertions.hpp"
#include "suite_context.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

using Passthru = LabTest;

// macvlan_common_newlink: eth_hw_addr_inherit gives a passthru slave its lower device's MAC.
TEST_F(Passthru, SlaveInheritsTheParentMac) {
    const int s = lab->add_slave("pt", MacvlanMode::passthru, VethLab::slave_mac(1));
    EXPECT_EQ(lab->host_nl->link(s).mac, lab->parent_mac) << "even a MAC given at creation is overridden";
}

// macvlan_set_mac_address: in passthru the slave's address is the lower device's, so it is set
// there; the lower device's NETDEV_CHANGEADDR then updates the slave (macvlan_device_event).
TEST_F(Passthru, SettingTheSlaveMacChangesTheParentMac) {
    const int s = lab->add_slave("pt", MacvlanMode::passthru);
    lab->host_nl->set_up(s);
    const MacAddress wanted = MacAddress::local(0x20, 1);
    lab->host_nl->set_mac(s, wanted);
    EXPECT_EQ(lab->parent_link().mac, wanted);
    EXPECT_EQ(lab->host_nl->link(s).mac, wanted);
}

// macvlan_port_destroy puts perm_addr back when the last slave of a passthru port goes.
TEST_F(Passthru, DeletingTheSlaveRestoresTheParentMac) {
    const int s = lab->add_slave("pt", MacvlanMode::passthru);
    lab->host_nl->set_up(s);
    lab->host_nl->set_mac(s, MacAddress::local(0x20, 2));
    ASSERT_NE(lab->parent_link().mac, lab->parent_mac);
    lab->host_nl->delete_link(s);
    EXPECT_EQ(lab->parent_link().mac, lab->parent_mac);
}

// macvlan_sync_address: when the parent's MAC is changed on the parent itself (not through the
// slave), the port records it as the new perm_addr, so deleting the slave keeps it.
TEST_F(Passthru, ParentMacChangedOnTheParentIsKeptAfterDeletion) {
    const int s = lab->add_slave("pt", MacvlanMode::passthru);
    lab->host_nl->set_up(s);
    const MacAddress chosen = MacAddress::local(0x20, 3);
    lab->host_nl->set_mac(lab->parent, chosen);
    EXPECT_EQ(lab->host_nl->link(s).mac, chosen) << "the slave follows its lower device";
    lab->host_nl->delete_link(s);
    EXPECT_EQ(lab->parent_link().mac, chosen);
}

// macvlan_common_newlink: "Only 1 macvlan device can be created in passthru mode" (port->count).
TEST_F(Passthru, PassthruOnAParentThatHasSlavesIsEINVAL) {
    lab->add_slave("mv1", MacvlanMode::bridge, VethLab::slave_mac(1));
    expect_netlink_errno(EINVAL, [&] { lab->add_slave("pt", MacvlanMode::passthru); });
}

// macvlan_common_newlink: a port in passthru accepts no further slave, whatever its mode.
TEST_F(Passthru, AnySlaveBesideAPassthruIsEINVAL) {
    lab->add_slave("pt", MacvlanMode::passthru);
    for (auto mode : {MacvlanMode::bridge, MacvlanMode::vepa, MacvlanMode::private_, MacvlanMode::source,
                      MacvlanMode::passthru}) {
        SCOPED_TRACE(std::string(to_string(mode)));
        expect_netlink_errno(EINVAL, [&] { lab->add_slave("mv2", mode, VethLab::slave_mac(2)); });
    }
}

// macvlan_changelink: "Passthrough mode can't be set or cleared dynamically".
TEST_F(Passthru, ModeChangeToPassthruIsEINVAL) {
    const int s = lab->add_slave("mv1", MacvlanMode::bridge, VethLab::slave_mac(1));
    expect_netlink_errno(EINVAL, [&] { change_macvlan(*lab->host_nl, s, mode_change(MacvlanMode::passthru)); });
    EXPECT_EQ(macvlan_info(*lab->host_nl, s).mode, static_cast<uint32_t>(MacvlanMode::bridge));
}

TEST_F(Passthru, ModeChangeFromPassthruIsEINVAL) {
    const int s = lab->add_slave("pt", MacvlanMode::passthru);
    for (auto mode : {MacvlanMode::bridge, MacvlanMode::vepa, MacvlanMode::private_, MacvlanMode::source}) {
        SCOPED_TRACE(std::string(to_string(mode)));
        expect_netlink_errno(EINVAL, [&] { change_macvlan(*lab->host_nl, s, mode_change(mode)); });
    }
    EXPECT_EQ(macvlan_info(*lab->host_nl, s).mode, static_cast<uint32_t>(MacvlanMode::passthru));
}

// macvlan_handle_frame: on a passthru port every unicast frame goes to the slave, which shares the
// parent's MAC, so the parent's own conversations break; while the slave is down such frames are
// dropped rather than handed back. Deleting the slave gives the parent its traffic back.
TEST_F(Passthru, ParentLosesItsUnicastTrafficWhileTheSlaveExists) {
    auto ip = [](unsigned n) { return IpAddress::v4((192u << 24) | (2u << 8) | n); };
    // A control waits as long as readiness may take and returns at the first reply; a negative
    // verdict waits one bounded quiet window.
    auto answers = [](const NetNamespace& from, IpAddress src, IpAddress dst, std::chrono::milliseconds window) {
        return run_echo_probes({{&from, src, dst}}, {std::chrono::milliseconds(20), window})[0].replied;
    };
    auto control = [&](const NetNamespace& from, IpAddress src, IpAddress dst) {
        return answers(from, src, dst, std::chrono::seconds(5));
    };
    // Each phase uses its own address pair, so no phase inherits another's neighbour entries.
    for (unsigned n = 10; n <= 40; n += 10) {
        lab->host_nl->add_address(lab->parent, ip(n), 24);
        lab->ext_nl->add_address(lab->peer, ip(n + 1), 24);
    }
    lab->ext_nl->add_address(lab->peer, ip(101), 24);
    lab->wait_until_wire_is_up();
    ASSERT_TRUE(control(lab->host, ip(10), ip(11))) << "control: host->ext works before any slave exists";

    const NetNamespace container = NetNamespace::create();
    Rtnl container_nl(container);
    MacvlanSpec spec;
    spec.name = "eth0";
    spec.lower_ifindex = lab->parent;
    spec.mode = MacvlanMode::passthru;
    spec.target = &container;
    create_macvlan(*lab->host_nl, spec);
    const int slave = container_nl.link("eth0").ifindex;
    container_nl.add_address(slave, ip(100), 24);
    container_nl.set_up(slave);
    ASSERT_TRUE(control(lab->ext, ip(101), ip(100))) << "control: ext reaches the passthru slave";
    // Both directions in one bounded quiet window.
    const auto up = run_echo_probes({{&lab->host, ip(20), ip(21)}, {&lab->ext, ip(21), ip(20)}}, suite_context().cell_schedule);
    EXPECT_FALSE(up[0].replied) << "host->ext while the passthru slave is up";
    EXPECT_FALSE(up[1].replied) << "ext->host while the passthru slave is up";

    container_nl.set_up(slave, false);
    EXPECT_FALSE(answers(lab->host, ip(30), ip(31), suite_context().cell_schedule.window))
        << "host->ext while the passthru slave is down";

    container_nl.delete_link(slave);
    EXPECT_TRUE(control(lab->host, ip(40), ip(41))) << "host->ext once the slave is gone";
}

}  // namespace
}  // namespace mvc
