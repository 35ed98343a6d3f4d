// SPDX-License-Identifier: MIT
// Parent lifecycle: what slaves see when their parent goes down, or moves to another namespace.
#include <gtest/gtest.h>
#include <linux/if.h>

#include <chrono>

#include "bond_link.hpp"
#include "echo_probe.hpp"
#include "link_events.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

using namespace std::chrono_literals;

class ParentLifecycle : public LabTest {
protected:
    void prepare() override {
        slave = lab->add_slave("mv1", MacvlanMode::bridge, VethLab::slave_mac(1));
        lab->host_nl->set_up(slave);
    }
    int slave = 0;
};

// macvlan_device_event (NETDEV_DOWN, NETDEV_CHANGE) copies the lower device's carrier and dormant
// state to every slave (netif_stacked_transfer_operstate) and leaves the slave's own IFF_UP alone:
// unlike 802.1Q (vlan_device_event closes its VLANs), macvlan never closes a slave. A veth clears
// its carrier when it closes (veth_close), so the slave ends admin-up with carrier off.
TEST_F(ParentLifecycle, ParentAdminDownLeavesSlavesAdminUpWithCarrierOff) {
    LinkEvents events(lab->host);
    ASSERT_TRUE(events.wait_until([&] { return lab->host_nl->link(slave).carrier; }, 5s)) << "the slave never got carrier";
    lab->host_nl->set_up(lab->parent, false);
    EXPECT_TRUE(events.wait_until([&] { return !lab->host_nl->link(slave).carrier; }, 5s)) << "the slave kept its carrier";
    EXPECT_TRUE(lab->host_nl->link(slave).flags & IFF_UP) << "the slave was closed with its parent";
    // The operational state follows the carrier a moment later (linkwatch_event -> rfc2863_policy).
    EXPECT_TRUE(events.wait_until([&] { return lab->host_nl->link(slave).operstate != IF_OPER_UP; }, 5s))
        << "a slave without carrier still reports operstate UP";
    lab->host_nl->set_up(lab->parent, true);
    EXPECT_TRUE(events.wait_until([&] { return lab->host_nl->link(slave).carrier; }, 5s)) << "the slave did not regain carrier";
}

// The same on a bond: bond_close leaves the bond's own carrier bit as it was, and the slave follows
// that bit (netif_stacked_transfer_operstate), not the bond's IFF_UP. What is asserted is the rule:
// the slave stays admin-up, and its carrier is the parent's.
TEST_F(ParentLifecycle, BondAdminDownLeavesSlavesAdminUpWithTheBondsCarrier) {
    MVC_REQUIRE(&Capabilities::bonding);
    BondSpec spec;
    spec.name = "bond0";
    spec.mac = MacAddress::local(0x43, 1);
    const int bond = create_bond(*lab->host_nl, spec);
    const int port = lab->host_nl->create_veth("port0", MacAddress::local(0x43, 2), "port0p", MacAddress::local(0x43, 3), lab->ext);
    lab->host_nl->set_master(port, bond);
    lab->ext_nl->set_up(lab->ext_nl->link("port0p").ifindex);
    MacvlanSpec s;
    s.name = "mv2";
    s.lower_ifindex = bond;
    s.mode = MacvlanMode::bridge;
    s.mac = VethLab::slave_mac(2);
    create_macvlan(*lab->host_nl, s);
    const int on_bond = lab->host_nl->link("mv2").ifindex;
    lab->host_nl->set_up(bond);
    lab->host_nl->set_up(on_bond);
    LinkEvents events(lab->host);
    ASSERT_TRUE(events.wait_until([&] { return lab->host_nl->link(bond).carrier && lab->host_nl->link(on_bond).carrier; }, 5s))
        << "the bond or its slave never got carrier";
    lab->host_nl->set_up(bond, false);
    const LinkInfo b = lab->host_nl->link(bond);
    const LinkInfo m = lab->host_nl->link(on_bond);
    EXPECT_FALSE(b.flags & IFF_UP);
    EXPECT_TRUE(m.flags & IFF_UP) << "the slave was closed with its parent";
    EXPECT_EQ(m.carrier, b.carrier) << "the slave's carrier is not the bond's";
}

// dev_change_net_namespace raises NETDEV_UNREGISTER on the lower device while it moves, and
// macvlan_device_event ignores it unless the device is really going (reg_state): the slaves stay
// attached. A slave whose lower device is in another namespace reports it by IFLA_LINK_NETNSID
// (rtnl_fill_link_netnsid through macvlan_get_link_net), and still carries traffic.
TEST_F(ParentLifecycle, ParentMovedToAnotherNamespaceKeepsItsSlavesWhichReportLinkNetnsid) {
    ASSERT_FALSE(lab->host_nl->link(slave).lower_in_other_namespace) << "IFLA_LINK_NETNSID before the parent moved";
    const std::string parent_name = lab->parent_link().name;
    const NetNamespace elsewhere = NetNamespace::create();
    Rtnl elsewhere_nl(elsewhere);
    lab->host_nl->move_to(lab->parent, elsewhere);
    ASSERT_FALSE(lab->host_nl->find_link(parent_name).has_value()) << "the parent is still here";
    const auto moved = elsewhere_nl.find_link(lab->host_nl->link(slave).lower_ifindex);
    const auto kept = lab->host_nl->find_link(slave);
    ASSERT_TRUE(kept.has_value()) << "the slave went with its parent's move";
    EXPECT_TRUE(kept->lower_in_other_namespace) << "no IFLA_LINK_NETNSID on a slave whose parent is in another namespace";
    ASSERT_TRUE(moved.has_value()) << "IFLA_LINK does not name the parent's ifindex in its new namespace";
    EXPECT_EQ(moved->mac, lab->parent_mac);

    elsewhere_nl.set_up(moved->ifindex);  // a move closes the device (dev_close in dev_change_net_namespace)
    auto ip = [](unsigned n) { return IpAddress::v4((192u << 24) | (2u << 8) | n); };
    lab->host_nl->add_address(slave, ip(30), 24);
    lab->ext_nl->add_address(lab->peer, ip(31), 24);
    const auto r = run_echo_probes({{&lab->ext, ip(31), ip(30)}}, {20ms, 5s});
    EXPECT_TRUE(r[0].replied) << "ext cannot reach the slave through its moved parent";
}

}  // namespace
}  // namespace mvc
