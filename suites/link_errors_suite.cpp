// SPDX-License-Identifier: MIT
// Constraints and errors: what the kernel refuses, with exactly which errno. Each test names the
// errno it asserts, so a reader finds EINVAL, EADDRINUSE and EBUSY by name.
#include <gtest/gtest.h>

#include <memory>

#include "errno_assertions.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

class LinkErrors : public LabTest {
protected:
    MacvlanSpec slave(const std::string& name, int lower, MacvlanMode mode = MacvlanMode::bridge) {
        MacvlanSpec s;
        s.name = name;
        s.lower_ifindex = lower;
        s.mode = mode;
        return s;
    }
};

// macvlan_port_create: only Ethernet devices that are not loopback can be a macvlan port.
TEST_F(LinkErrors, MacvlanOnLoopbackIsEINVAL) {
    const int lo = lab->host_nl->link("lo").ifindex;
    expect_netlink_errno(EINVAL, [&] { create_macvlan(*lab->host_nl, slave("mv-lo", lo)); });
}

// macvlan_common_newlink: "else if (dev->mtu > lowerdev->mtu) return -EINVAL".
TEST_F(LinkErrors, MtuAboveTheParentsAtCreationIsEINVAL) {
    auto s = slave("mv1", lab->parent);
    s.mtu = lab->parent_link().mtu + 1;
    expect_netlink_errno(EINVAL, [&] { create_macvlan(*lab->host_nl, s); });
    s.mtu = lab->parent_link().mtu;
    create_macvlan(*lab->host_nl, s);  // the parent's own MTU is fine
}

// macvlan_change_mtu: "if (vlan->lowerdev->mtu < new_mtu) return -EINVAL". max_mtu is the
// parent's max_mtu, so the request passes dev_validate_mtu and reaches this check.
TEST_F(LinkErrors, MtuAboveTheParentsSetLaterIsEINVAL) {
    const int s = lab->add_slave("mv1", MacvlanMode::bridge, VethLab::slave_mac(1));
    const unsigned parent_mtu = lab->parent_link().mtu;
    expect_netlink_errno(EINVAL, [&] { lab->host_nl->set_mtu(s, parent_mtu + 1); });
    EXPECT_EQ(lab->host_nl->link(s).mtu, parent_mtu);
    lab->host_nl->set_mtu(s, parent_mtu - 100);
    EXPECT_EQ(lab->host_nl->link(s).mtu, parent_mtu - 100);
}

// macvlan_validate: IFLA_MACVLAN_MODE must be one of the five modes, each a single bit.
TEST_F(LinkErrors, UnknownModeIsEINVAL) {
    for (uint32_t mode : {0u, 3u, 32u, 0xffffffffu}) {
        SCOPED_TRACE("mode " + std::to_string(mode));
        expect_netlink_errno(EINVAL, [&] { create_macvlan(*lab->host_nl, slave("mv1", lab->parent, static_cast<MacvlanMode>(mode))); });
    }
}

// macvlan_validate: flags other than NOPROMISC and NODST are refused.
TEST_F(LinkErrors, UnknownFlagBitsAreEINVAL) {
    for (uint16_t flags : {uint16_t{4}, uint16_t{0x8000}}) {
        SCOPED_TRACE("flags " + std::to_string(flags));
        auto s = slave("mv1", lab->parent);
        s.flags = flags;
        expect_netlink_errno(EINVAL, [&] { create_macvlan(*lab->host_nl, s); });
    }
    const int s = lab->add_slave("mv2", MacvlanMode::bridge, VethLab::slave_mac(2));
    MacvlanChange c;
    c.flags = 4;
    expect_netlink_errno(EINVAL, [&] { change_macvlan(*lab->host_nl, s, c); });
}

// A duplicate MAC is only checked when the slave goes up (macvlan_open -> macvlan_addr_busy looks at
// slaves that are up, i.e. hashed), so creation succeeds and bringing it up fails.
TEST_F(LinkErrors, MacOfAnUpSiblingIsEADDRINUSEWhenBroughtUp) {
    const MacAddress shared = VethLab::slave_mac(1);
    const int first = lab->add_slave("mv1", MacvlanMode::bridge, shared);
    lab->host_nl->set_up(first);
    const int second = lab->add_slave("mv2", MacvlanMode::vepa, shared);  // creation succeeds
    expect_netlink_errno(EADDRINUSE, [&] { lab->host_nl->set_up(second); });
    EXPECT_FALSE(lab->host_nl->link(second).up());
    lab->host_nl->set_up(first, false);
    lab->host_nl->set_up(second);  // a sibling that is down holds no address
    EXPECT_TRUE(lab->host_nl->link(second).up());
}

// macvlan_addr_busy also counts the lower device's own address (outside passthru).
TEST_F(LinkErrors, ParentMacIsEADDRINUSEWhenBroughtUp) {
    const int s = lab->add_slave("mv1", MacvlanMode::bridge, lab->parent_mac);
    expect_netlink_errno(EADDRINUSE, [&] { lab->host_nl->set_up(s); });
}

// macvlan_set_mac_address checks macvlan_addr_busy before changing anything.
TEST_F(LinkErrors, ChangingTheMacToABusyOneIsEADDRINUSE) {
    const int first = lab->add_slave("mv1", MacvlanMode::bridge, VethLab::slave_mac(1));
    const int second = lab->add_slave("mv2", MacvlanMode::bridge, VethLab::slave_mac(2));
    lab->host_nl->set_up(first);
    lab->host_nl->set_up(second);
    expect_netlink_errno(EADDRINUSE, [&] { lab->host_nl->set_mac(second, VethLab::slave_mac(1)); });
    expect_netlink_errno(EADDRINUSE, [&] { lab->host_nl->set_mac(second, lab->parent_mac); });
    EXPECT_EQ(lab->host_nl->link(second).mac, VethLab::slave_mac(2));
}

// macvlan_common_newlink: a macvlan stacked on a macvlan is attached to the real lower device
// (macvlan_dev_real_dev), so IFLA_LINK names the parent, not the macvlan it was created on.
TEST_F(LinkErrors, MacvlanOnAMacvlanAttachesToTheRealLowerDevice) {
    const int first = lab->add_slave("mv1", MacvlanMode::bridge, VethLab::slave_mac(1));
    auto s = slave("mv2", first);
    s.mac = VethLab::slave_mac(2);
    create_macvlan(*lab->host_nl, s);
    const int second = lab->host_nl->link("mv2").ifindex;
    EXPECT_EQ(lab->host_nl->link(second).lower_ifindex, lab->parent);
    EXPECT_EQ(macvlan_info(*lab->host_nl, second).lower_ifindex, lab->parent);
}

// macvlan_port_create: netdev_is_rx_handler_busy. A bridge port's rx handler is the bridge's.
TEST_F(LinkErrors, ParentWithAnotherRxHandlerIsEBUSY) {
    MVC_REQUIRE(&Capabilities::bridge);
    const int bridge = lab->host_nl->create_bridge("br0", MacAddress::local(0x30, 1));
    lab->host_nl->set_master(lab->parent, bridge);
    expect_netlink_errno(EBUSY, [&] { create_macvlan(*lab->host_nl, slave("mv1", lab->parent)); });
}

// ipvlan and macvlan both install an rx handler on their lower device, and a device has one:
// macvlan_port_create refuses a parent that already serves ipvlan (netdev_is_rx_handler_busy), and
// ipvlan's own port setup (netdev_rx_handler_register in ipvlan_port_create) refuses a macvlan port.
TEST_F(LinkErrors, MacvlanOnAnIpvlanParentIsEBUSY) {
    MVC_REQUIRE(&Capabilities::ipvlan);
    lab->host_nl->create_ipvlan("ipv1", lab->parent);
    expect_netlink_errno(EBUSY, [&] { create_macvlan(*lab->host_nl, slave("mv1", lab->parent)); });
}

TEST_F(LinkErrors, IpvlanOnAMacvlanParentIsEBUSY) {
    MVC_REQUIRE(&Capabilities::ipvlan);
    lab->add_slave("mv1", MacvlanMode::bridge, VethLab::slave_mac(1));
    expect_netlink_errno(EBUSY, [&] { lab->host_nl->create_ipvlan("ipv1", lab->parent); });
}

}  // namespace
}  // namespace mvc
