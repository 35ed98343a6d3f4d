// SPDX-License-Identifier: MIT
// Failover: an active-backup bond under macvlan slaves switches its active port. Every slave must
// announce itself on the new port, or the switch keeps sending its frames to the old one and the
// containers go dark until its forwarding entries age out (300 s on a Linux bridge).
//
// bond_change_active_slave (active-backup) raises NETDEV_BONDING_FAILOVER and, once
// bond_should_notify_peers agrees, NETDEV_NOTIFY_PEERS on the bond; vlan_device_event passes both
// to VLANs on the bond, and macvlan_device_event to every slave of a port. On each slave the event
// becomes a gratuitous ARP per IPv4 address (inetdev_event -> inetdev_send_gratuitous_arp) and an
// unsolicited neighbour advertisement to all nodes per IPv6 address (ndisc_netdev_event ->
// ndisc_send_unsol_na), sent with the slave's own MAC, out of the bond's new active port.
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <poll.h>

#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "bond_link.hpp"
#include "packet_socket.hpp"
#include "production_parent.hpp"
#include "suite_context.hpp"
#include "topology.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What a frame announces: the station (source MAC) and the address, if it is a gratuitous ARP
// (sender and target IP the same) or an unsolicited neighbour advertisement (solicited flag clear).
struct Announcement {
    MacAddress station;
    Family family = Family::ipv4;
    IpAddress address;
};

std::optional<Announcement> announcement_in(const Frame& f) {
    if (f.size() < 14) return std::nullopt;
    size_t at = 12;
    uint16_t type = static_cast<uint16_t>(f[at] << 8 | f[at + 1]);
    if (type == 0x8100 && f.size() >= 18) {  // a VLAN on the bond: the tag is still on the frame
        at += 4;
        type = static_cast<uint16_t>(f[at] << 8 | f[at + 1]);
    }
    const size_t l3 = at + 2;
    std::array<uint8_t, 6> source{};
    std::copy(f.begin() + 6, f.begin() + 12, source.begin());
    if (type == 0x0806 && f.size() >= l3 + 28) {
        const uint8_t* arp = f.data() + l3;
        const bool same = std::equal(arp + 14, arp + 18, arp + 24);  // sender IP == target IP
        if (!same) return std::nullopt;
        uint32_t ip = 0;
        for (int i = 0; i < 4; ++i) ip = ip << 8 | arp[14 + i];
        return Announcement{MacAddress(source), Family::ipv4, IpAddress::v4(ip)};
    }
    if (type == 0x86dd && f.size() >= l3 + 40 + 24) {
        const uint8_t* ip6 = f.data() + l3;
        const uint8_t* icmp = ip6 + 40;
        if (ip6[6] != 58 || icmp[0] != 136) return std::nullopt;  // ICMPv6 neighbour advertisement
        if (icmp[4] & 0x40) return std::nullopt;                   // solicited: an answer, not an announcement
        in6_addr target{};
        std::memcpy(&target, icmp + 8, sizeof target);
        return Announcement{MacAddress(source), Family::ipv6, IpAddress::v6(target)};
    }
    return std::nullopt;
}

// The active-backup parents, by variant of fixtures/topologies/reachability.json.
class Failover : public KernelTest, public ::testing::WithParamInterface<const char*> {
protected:
    FeatureList needs() const override { return {&Capabilities::bonding, &Capabilities::bridge, &Capabilities::ipv6}; }
};

// Collects, for up to `timeout`, the announcements seen on `socket` until every expected one is in.
std::set<std::string> collect(PacketSocket& socket, const std::set<std::string>& expected, std::chrono::milliseconds timeout,
                              std::set<std::string>& unexpected) {
    std::set<std::string> seen;
    const auto deadline = Clock::now() + timeout;
    auto key = [](const Announcement& a) { return a.station.str() + " " + a.address.str(); };
    while (Clock::now() < deadline) {
        for (const auto& r : socket.drain()) {
            // Only what arrived from the bond's side of this cable: the switch floods every
            // announcement out of its other ports too, which the socket sees as PACKET_OUTGOING.
            if (r.packet_type == PACKET_OUTGOING) continue;
            if (const auto a = announcement_in(r.frame)) (expected.count(key(*a)) ? seen : unexpected).insert(key(*a));
        }
        if (seen == expected) break;
        pollfd p{socket.fd(), POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        ::poll(&p, 1, static_cast<int>(std::max<long long>(left, 0)));
    }
    return seen;
}

TEST_P(Failover, EverySlaveAnnouncesItselfOnTheNewPortAndExtStillReachesIt) {
    const std::string variant = GetParam();
    if (variant == "vlan_on_bond") MVC_REQUIRE(&Capabilities::vlan_8021q);
    const auto& context = suite_context();
    const TopologySpec* spec = context.catalog.find("parents.all_modes", variant);
    ASSERT_NE(spec, nullptr) << "no topology parents.all_modes." << variant << " in the catalog";
    auto topology = Topology::build(*spec, {});
    topology->wait_until_links_ready(Clock::now() + defaults::kReadyTimeout);

    // ext reaches every slave before the switch (and so has their MACs in its neighbour table and
    // its switch's forwarding table: afterwards it only reaches them if the announcements moved them).
    std::vector<ExternalProbe> probes;
    std::set<std::string> expected;
    for (const auto& s : spec->slaves)
        for (auto family : {Family::ipv4, Family::ipv6}) {
            const IpAddress address = topology->addresses().addresses_of(s.name, family).front();
            probes.push_back({topology->addresses().addresses_of(kExt, family).front(), address});
            expected.insert(topology->mac_of(s.name).str() + " " + address.str());
        }
    auto unreached = [&](const std::vector<EchoResult>& results) {
        std::string out;
        for (size_t i = 0; i < results.size(); ++i)
            if (!results[i].replied) out += " " + probes[i].destination.str();
        return out;
    };
    ASSERT_EQ(unreached(topology->ext()->echo(probes, {20ms, defaults::kReadyTimeout})), "") << "ext cannot reach these before the switch";

    EndpointNode& host = topology->node(kHost);
    EndpointNode& ext = topology->node(kExt);
    const int bond = host.rtnl->link(variant == "vlan_on_bond" ? kVlanOnBondLower : "parent").ifindex;
    const int old_port = bond_state(*host.rtnl, bond).active_port;
    ASSERT_NE(old_port, 0) << "the bond has no active port";
    const size_t new_index = old_port == host.rtnl->link(kAggregatePorts[0]).ifindex ? 1 : 0;
    const int new_port = host.rtnl->link(kAggregatePorts[new_index]).ifindex;
    // The switch port each bond port is cabled to: the new one must carry every announcement.
    PacketSocket on_new(ext.ns, ext.rtnl->link(kSwitchPorts[new_index]).ifindex);
    PacketSocket on_old(ext.ns, ext.rtnl->link(kSwitchPorts[1 - new_index]).ifindex);

    set_bond_active_port(*host.rtnl, bond, new_port);
    ASSERT_EQ(bond_state(*host.rtnl, bond).active_port, new_port) << "the bond did not take the new active port";

    std::set<std::string> stray;
    const auto seen = collect(on_new, expected, defaults::kReadyTimeout, stray);
    std::ostringstream missing;
    for (const auto& e : expected)
        if (!seen.count(e)) missing << "\n  " << e;
    EXPECT_EQ(missing.str(), "") << "no gratuitous ARP / unsolicited NA on the new port (" << kSwitchPorts[new_index]
                                 << ") for these slave MAC + address pairs";
    // Everything the slaves sent has arrived by now: what came in from the old port is queued.
    size_t from_old_port = 0;
    for (const auto& r : on_old.drain())
        if (r.packet_type != PACKET_OUTGOING && announcement_in(r.frame)) ++from_old_port;
    EXPECT_EQ(from_old_port, 0u) << "announcements left through the old, now inactive port";

    EXPECT_EQ(unreached(topology->ext()->echo(probes, {20ms, defaults::kReadyTimeout})), "")
        << "ext no longer reaches these slaves after the failover";
}

INSTANTIATE_TEST_SUITE_P(Parents, Failover, ::testing::Values("bond_active_backup", "vlan_on_bond"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace mvc
