// SPDX-License-Identifier: MIT
// Promiscuous mode: the field note's first topic. Setting it the two ways users do (netlink as
// `ip link set X promisc on`, SIOCSIFFLAGS as `ifconfig X promisc`), reading it back both ways, and
// the difference between the PROMISC flag a user sees and the promiscuity counter macvlan raises.
#include <gtest/gtest.h>
#include <net/if.h>
#include <poll.h>

#include <chrono>
#include <memory>

#include "interface_ioctl.hpp"
#include "packet_socket.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

class PromiscTest : public LabTest {
protected:
    void prepare() override { baseline = counter(); }
    bool netlink_flag() { return (lab->parent_link().flags & IFF_PROMISC) != 0; }  // ifi_flags
    bool ioctl_flag() { return (ioctl_get_flags(lab->host, "parent") & IFF_PROMISC) != 0; }
    uint32_t counter() { return lab->parent_link().promiscuity; }  // IFLA_PROMISCUITY
    void ioctl_promisc(bool on) {
        const unsigned flags = ioctl_get_flags(lab->host, "parent");
        ioctl_set_flags(lab->host, "parent", on ? flags | IFF_PROMISC : flags & ~IFF_PROMISC);
    }

    uint32_t baseline = 0;
};

using Promisc = PromiscTest;
using Promiscuity = PromiscTest;
using PassthruPromisc = PromiscTest;
using PromiscOnTheWire = PromiscTest;
using UnicastFilter = PromiscTest;

// net/core/dev.c __dev_change_flags: a user's request lives in dev->gflags and moves the counter by one.
TEST_F(Promisc, NetlinkSetsAndClearsTheFlagSeenBothWays) {
    lab->host_nl->set_promisc(lab->parent, true);  // ip link set parent promisc on
    EXPECT_TRUE(netlink_flag());
    EXPECT_TRUE(ioctl_flag());
    EXPECT_EQ(counter(), baseline + 1);
    lab->host_nl->set_promisc(lab->parent, false);  // ip link set parent promisc off
    EXPECT_FALSE(netlink_flag());
    EXPECT_FALSE(ioctl_flag());
    EXPECT_EQ(counter(), baseline);
}

// The same through SIOCSIFFLAGS, which is what the field note's `ifconfig ens192 promisc` does.
TEST_F(Promisc, IoctlSetsAndClearsTheFlagSeenBothWays) {
    ioctl_promisc(true);
    EXPECT_TRUE(ioctl_flag());
    EXPECT_TRUE(netlink_flag());
    EXPECT_EQ(counter(), baseline + 1);
    ioctl_promisc(false);
    EXPECT_FALSE(ioctl_flag());
    EXPECT_FALSE(netlink_flag());
    EXPECT_EQ(counter(), baseline);
}

// __dev_change_flags only touches the counter when the IFF_PROMISC bit of gflags changes.
TEST_F(Promisc, NetlinkOnTwiceAndOffTwiceIsIdempotent) {
    lab->host_nl->set_promisc(lab->parent, true);
    lab->host_nl->set_promisc(lab->parent, true);
    EXPECT_EQ(counter(), baseline + 1);
    EXPECT_TRUE(netlink_flag());
    lab->host_nl->set_promisc(lab->parent, false);
    lab->host_nl->set_promisc(lab->parent, false);
    EXPECT_EQ(counter(), baseline);
    EXPECT_FALSE(netlink_flag());
}

TEST_F(Promisc, IoctlOnTwiceAndOffTwiceIsIdempotent) {
    ioctl_promisc(true);
    ioctl_promisc(true);
    EXPECT_EQ(counter(), baseline + 1);
    EXPECT_TRUE(ioctl_flag());
    ioctl_promisc(false);
    ioctl_promisc(false);
    EXPECT_EQ(counter(), baseline);
    EXPECT_FALSE(ioctl_flag());
}

// Both interfaces edit the same gflags bit, so either can undo the other.
TEST_F(Promisc, SetByIoctlClearedByNetlink) {
    ioctl_promisc(true);
    lab->host_nl->set_promisc(lab->parent, false);
    EXPECT_FALSE(ioctl_flag());
    EXPECT_EQ(counter(), baseline);
}

// macvlan_open adds the slave's MAC with dev_uc_add; a lower device without IFF_UNICAST_FLT (veth)
// then goes promiscuous once for its whole unicast list (net/core/dev.c __dev_set_rx_mode,
// uc_promisc). dev_get_flags shows only the user's gflags, so no PROMISC flag appears.
TEST_F(Promiscuity, UpSlaveRaisesTheParentCounterWithoutShowingTheFlag) {
    const int s1 = lab->add_slave("mv1", MacvlanMode::bridge, VethLab::slave_mac(1));
    EXPECT_EQ(counter(), baseline) << "a slave that is down adds no unicast address";
    lab->host_nl->set_up(s1);
    EXPECT_EQ(counter(), baseline + 1);
    EXPECT_FALSE(netlink_flag());
    EXPECT_FALSE(ioctl_flag());
    const int s2 = lab->add_slave("mv2", MacvlanMode::vepa, VethLab::slave_mac(2));
    lab->host_nl->set_up(s2);
    EXPECT_EQ(counter(), baseline + 1) << "uc_promisc is one reference for the whole unicast list";
}

TEST_F(Promiscuity, UserRequestAddsOnTopOfTheSlaves) {
    lab->host_nl->set_up(lab->add_slave("mv1", MacvlanMode::bridge, VethLab::slave_mac(1)));
    ASSERT_EQ(counter(), baseline + 1);
    lab->host_nl->set_promisc(lab->parent, true);
    EXPECT_EQ(counter(), baseline + 2);
    EXPECT_TRUE(netlink_flag());
    lab->host_nl->set_promisc(lab->parent, false);
    EXPECT_EQ(counter(), baseline + 1);
    EXPECT_FALSE(netlink_flag()) << "the slave's reference stays hidden";
}

// macvlan_stop removes the unicast address (dev_uc_del), and the last one drops uc_promisc.
TEST_F(Promiscuity, ReturnsToTheBaselineWhenTheSlavesAreDeleted) {
    const int s1 = lab->add_slave("mv1", MacvlanMode::bridge, VethLab::slave_mac(1));
    const int s2 = lab->add_slave("mv2", MacvlanMode::private_, VethLab::slave_mac(2));
    lab->host_nl->set_up(s1);
    lab->host_nl->set_up(s2);
    lab->host_nl->set_promisc(s1, true);
    ASSERT_GT(counter(), baseline);
    lab->host_nl->delete_link(s1);
    lab->host_nl->delete_link(s2);
    EXPECT_EQ(counter(), baseline);
    EXPECT_FALSE(netlink_flag());
}

// macvlan_change_rx_flags forwards a non-passthru slave's promisc change to its lower device.
TEST_F(Promiscuity, PromiscOnANonPassthruSlaveReachesTheParent) {
    const int s1 = lab->add_slave("mv1", MacvlanMode::vepa, VethLab::slave_mac(1));
    lab->host_nl->set_up(s1);
    const uint32_t with_slave = counter();
    lab->host_nl->set_promisc(s1, true);
    EXPECT_EQ(counter(), with_slave + 1);
    lab->host_nl->set_promisc(s1, false);
    EXPECT_EQ(counter(), with_slave);
}

// macvlan_open: a passthru slave takes a promiscuity reference on its lower device while up.
TEST_F(PassthruPromisc, UpSlaveRaisesTheParentCounter) {
    const int s = lab->add_slave("pt", MacvlanMode::passthru);
    EXPECT_EQ(counter(), baseline);
    lab->host_nl->set_up(s);
    EXPECT_EQ(counter(), baseline + 1);
    EXPECT_FALSE(netlink_flag()) << "the reference is the kernel's, not a user request";
    lab->host_nl->set_up(s, false);
    EXPECT_EQ(counter(), baseline) << "macvlan_stop drops it";
}

// MACVLAN_FLAG_NOPROMISC ("ip link add ... mode passthru nopromisc") skips that reference.
TEST_F(PassthruPromisc, NopromiscFlagLeavesTheParentCounterAlone) {
    const int s = lab->add_slave("pt", MacvlanMode::passthru, std::nullopt, kMacvlanFlagNoPromisc);
    lab->host_nl->set_up(s);
    EXPECT_EQ(counter(), baseline);
    EXPECT_EQ(macvlan_info(*lab->host_nl, s).flags & kMacvlanFlagNoPromisc, kMacvlanFlagNoPromisc);
}

// macvlan_change_rx_flags skips passthru since "macvlan: Don't propagate promisc change to lower
// dev in passthru" (v6.7, Nov 2023, backported to the stable series). Before it, a promisc change on
// the passthru slave moved the parent's counter too, so turning promisc off on the slave could
// drop the reference the slave itself held.
TEST_F(PassthruPromisc, PromiscOnThePassthruSlaveIsNotPropagated) {
    const int s = lab->add_slave("pt", MacvlanMode::passthru);
    lab->host_nl->set_up(s);
    const uint32_t up = counter();
    lab->host_nl->set_promisc(s, true);
    const uint32_t after_on = counter();
    RecordProperty("observed", after_on == up ? "not propagated (kernel has the v6.7 fix)"
                                              : "propagated (kernel predates the v6.7 fix)");
    EXPECT_EQ(after_on, up) << "promisc on the passthru slave changed the parent's counter from " << up << " to "
                            << after_on << ": this kernel lacks \"macvlan: Don't propagate promisc change to "
                            << "lower dev in passthru\" (v6.7 and stable backports)";
    lab->host_nl->set_promisc(s, false);
    EXPECT_EQ(counter(), up);
}

// What promisc means on the wire: a frame for a MAC that is nobody's, sent by the peer, followed by
// a sentinel for the parent's own MAC. veth delivers in order, so once the sentinel is seen on the
// parent's tap the foreign frame has either been seen too or been filtered.
class ForeignFrameProbe {
public:
    explicit ForeignFrameProbe(VethLab& lab)
        : lab_(lab), tap_(lab.host, lab.parent), sender_(lab.ext, lab.peer) {}

    bool foreign_frame_reaches_parent() {
        tap_.drain();
        ++round_;
        const std::vector<uint8_t> foreign_payload{'f', round_}, sentinel_payload{'s', round_};
        sender_.send(ethernet_frame(kForeign, lab_.peer_mac, kTestEthertype, foreign_payload));
        sender_.send(ethernet_frame(lab_.parent_mac, lab_.peer_mac, kTestEthertype, sentinel_payload));
        bool foreign = false, sentinel = false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (!sentinel && std::chrono::steady_clock::now() < deadline) {
            pollfd p{tap_.fd(), POLLIN, 0};
            ::poll(&p, 1, 50);
            for (const auto& r : tap_.drain()) {
                if (r.frame.size() < 16 || r.frame[12] != (kTestEthertype >> 8) || r.frame[13] != (kTestEthertype & 0xff)) continue;
                if (r.frame[15] != round_) continue;
                if (r.frame[14] == 'f') foreign = true;
                if (r.frame[14] == 's') sentinel = true;
            }
        }
        if (!sentinel) throw std::runtime_error("the sentinel frame never reached the parent: the wire is not working");
        return foreign;
    }

private:
    static inline const MacAddress kForeign = MacAddress::local(0xee, 0xee);
    VethLab& lab_;
    PacketSocket tap_;
    PacketSocket sender_;
    uint8_t round_ = 0;
};

// A veth has no MAC filter: veth_xmit hands every frame to the peer's stack, which marks foreign
// ones PACKET_OTHERHOST, and a tap sees them whether or not the device is promiscuous. A NIC with
// a MAC filter would drop them in hardware unless promisc is on.
TEST_F(PromiscOnTheWire, VethDeliversForeignUnicastWithPromiscOffAndOn) {
    ForeignFrameProbe probe(*lab);
    const bool off = probe.foreign_frame_reaches_parent();
    lab->host_nl->set_promisc(lab->parent, true);
    const bool on = probe.foreign_frame_reaches_parent();
    RecordProperty("foreign_unicast_promisc_off", off ? "delivered" : "not delivered");
    RecordProperty("foreign_unicast_promisc_on", on ? "delivered" : "not delivered");
    EXPECT_TRUE(off) << "veth has no MAC filter, so a foreign unicast frame reaches the tap even without promisc";
    EXPECT_TRUE(on);
}

// kselftest net/forwarding/lib.sh has_unicast_flt: bring a macvlan up and watch the lower device's
// promiscuity counter. If it rises, the device has no unicast filter (no IFF_UNICAST_FLT) and went
// promiscuous to receive the slave's MAC (__dev_set_rx_mode).
TEST_F(UnicastFilter, DetectedByObservation) {
    const uint32_t before = counter();
    const int probe = lab->add_slave("uc-probe", MacvlanMode::bridge, VethLab::slave_mac(9));
    lab->host_nl->set_up(probe);
    const uint32_t after = counter();
    lab->host_nl->delete_link(probe);
    const bool filter = after == before;
    RecordProperty("parent_kind", "veth");
    RecordProperty("unicast_filter", filter ? "present" : "absent (promiscuity " + std::to_string(before) + " -> " +
                                                              std::to_string(after) + " when a macvlan came up)");
    EXPECT_FALSE(filter) << "veth does not set IFF_UNICAST_FLT, so a macvlan must have made it promiscuous";
    EXPECT_EQ(counter(), before);
}

}  // namespace
}  // namespace mvc
