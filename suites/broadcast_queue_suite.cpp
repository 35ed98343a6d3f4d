// SPDX-License-Identifier: MIT
// The port's broadcast queue: broadcasts and multicasts that reach the parent from outside are
// cloned onto one queue per parent (macvlan_broadcast_enqueue) and flooded to the slaves from a
// work item (macvlan_process_broadcast). Its length is requested per slave (IFLA_MACVLAN_BC_QUEUE_LEN,
// `ip link ... bcqueuelen N`, 5.11) and used port-wide (IFLA_MACVLAN_BC_QUEUE_LEN_USED);
// IFLA_MACVLAN_BC_CUTOFF (bc_cutoff, 6.4) decides which frames skip the queue and are flooded
// inline. A zero-length queue makes "queued" observable: every frame that would be queued is dropped.
#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/msg.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "error.hpp"
#include "macvlan_link.hpp"
#include "rtnl.hpp"
#include "tagged_frames.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

using namespace std::chrono_literals;

constexpr auto kArrivalTimeout = 2s;  // a frame that should arrive normally takes microseconds
// After the sentinel, the frame before it has been decided (queued, flooded inline or dropped); a
// queued one is flooded from a work item, so it gets this long to show up.
constexpr auto kQuietWindow = 200ms;

constexpr uint32_t kDefaultBcQueueLen = 1000;  // MACVLAN_DEFAULT_BC_QUEUE_LEN

const MacAddress kBroadcast = MacAddress::parse("ff:ff:ff:ff:ff:ff");
// A multicast group no stack uses. Its mc_hash bucket is not the broadcast address's, which every
// bc_filter holds (0xeb and 0x9e on a little-endian machine).
const MacAddress kGroup = MacAddress::parse("01:6d:76:00:40:01");
const MacAddress kStation = MacAddress::local(0x30, 1);  // a remote station behind the peer

// The parent's rx_dropped (IFLA_STATS64), which macvlan_broadcast_enqueue raises for every frame
// the queue has no room for (dev_core_stats_rx_dropped_inc on the parent).
uint64_t rx_dropped(Rtnl& rtnl, int ifindex) {
    auto reply = rtnl.link_message(ifindex);
    auto* hdr = reinterpret_cast<nlmsghdr*>(reply.data());
    nlattr* tb[IFLA_MAX + 1] = {};
    if (nlmsg_parse(hdr, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0 || !tb[IFLA_STATS64])
        throw std::runtime_error("link " + std::to_string(ifindex) + ": no IFLA_STATS64");
    rtnl_link_stats64 stats{};
    std::memcpy(&stats, nla_data(tb[IFLA_STATS64]),
                std::min(sizeof stats, static_cast<size_t>(nla_len(tb[IFLA_STATS64]))));
    return stats.rx_dropped;
}

// What became of one frame sent to the parent from outside.
struct Verdict {
    bool delivered = false;  // to the receiving slave
    uint64_t dropped = 0;    // how much the parent's rx_dropped rose until the sentinel arrived
};

std::string describe(const Verdict& v) {
    return std::string(v.delivered ? "delivered" : "not delivered") + ", parent rx_dropped +" +
           std::to_string(v.dropped);
}

class BroadcastQueueTest : public LabTest {
protected:
    FeatureList needs() const override { return {&Capabilities::bc_queue_len}; }  // reported since 5.11

    // A slave with slave_mac(n), brought up; the queue length is the kernel's default unless given.
    int add_slave(const std::string& name, MacvlanMode mode, uint8_t n, std::optional<uint32_t> bc_queue_len = {},
                  std::optional<int32_t> bc_cutoff = {}) {
        MacvlanSpec spec;
        spec.name = name;
        spec.lower_ifindex = lab->parent;
        spec.mode = mode;
        spec.mac = VethLab::slave_mac(n);
        spec.bc_queue_len = bc_queue_len;
        spec.bc_cutoff = bc_cutoff;
        create_macvlan(*lab->host_nl, spec);
        const int ifindex = lab->host_nl->link(name).ifindex;
        lab->host_nl->set_up(ifindex);
        return ifindex;
    }
    MacvlanInfo info(int ifindex) { return macvlan_info(*lab->host_nl, ifindex); }
    uint32_t requested(int ifindex) { return info(ifindex).bc_queue_len.value(); }
    uint32_t used(int ifindex) { return info(ifindex).bc_queue_len_used.value(); }
    std::optional<int32_t> cutoff(int ifindex) { return info(ifindex).bc_cutoff; }
    void request(int ifindex, uint32_t bc_queue_len) {
        MacvlanChange c;
        c.bc_queue_len = bc_queue_len;
        change_macvlan(*lab->host_nl, ifindex, c);
    }
    void set_cutoff(int ifindex, int32_t bc_cutoff) {
        MacvlanChange c;
        c.bc_cutoff = bc_cutoff;
        change_macvlan(*lab->host_nl, ifindex, c);
    }
    uint64_t parent_rx_dropped() { return rx_dropped(*lab->host_nl, lab->parent); }

    FrameInjector& wire() {
        if (!injector_) {
            wait_until_the_wire_carries_frames(*lab);
            injector_ = std::make_unique<FrameInjector>(*lab);
            // Without a handler for the test ethertype on the parent, __netif_receive_skb_core
            // would count every test frame passed up the parent in rx_dropped as well.
            parent_sink_ = std::make_unique<TaggedReceiver>(lab->host, lab->parent);
        }
        return *injector_;
    }
    uint8_t tag() { return ++last_tag_; }  // 0 is the wire handshake's

    // Sends a frame to `destination` from outside, then a unicast sentinel for the receiving slave
    // (delivered inline by macvlan_handle_frame). Once the sentinel is in, the frame has been queued,
    // flooded inline or dropped; a queued one then gets the quiet window to be flooded.
    Verdict send_and_watch(const MacAddress& destination, TaggedReceiver& receiver, const MacAddress& receiver_mac) {
        auto& w = wire();
        const uint64_t dropped_before = parent_rx_dropped();
        const uint8_t frame = tag(), sentinel = tag();
        {
            StayOnThisCpu same_backlog;
            w.send(destination, kStation, frame);
            w.send(receiver_mac, kStation, sentinel);
        }
        if (!receiver.wait_for(sentinel, kArrivalTimeout))
            throw std::runtime_error("the receiving slave never got the unicast sentinel");
        const uint64_t dropped_after_sentinel = parent_rx_dropped();
        if (!receiver.saw(frame)) receiver.linger(kQuietWindow);
        return {receiver.saw(frame), dropped_after_sentinel - dropped_before};
    }


private:
    std::unique_ptr<FrameInjector> injector_;
    std::unique_ptr<TaggedReceiver> parent_sink_;
    uint8_t last_tag_ = 0;
};

class BcCutoffTest : public BroadcastQueueTest {
protected:
    FeatureList needs() const override { return {&Capabilities::bc_queue_len, &Capabilities::bc_cutoff}; }  // since 6.4
};

using BcQueueLen = BroadcastQueueTest;
using BcCutoff = BcCutoffTest;

// --- bcqueuelen ---------------------------------------------------------------------------------

// macvlan_common_newlink: a slave that asks for nothing requests MACVLAN_DEFAULT_BC_QUEUE_LEN, and
// update_port_bc_queue_len makes that the port's length.
TEST_F(BcQueueLen, DefaultIsOneThousand) {
    const int a = add_slave("a", MacvlanMode::vepa, 1);
    EXPECT_EQ(requested(a), kDefaultBcQueueLen);
    EXPECT_EQ(used(a), kDefaultBcQueueLen);
}

// update_port_bc_queue_len: the port uses the largest request of all its slaves, whichever slave
// made it, and every slave reports that one port value next to its own request (macvlan_fill_info).
TEST_F(BcQueueLen, UsedIsTheMaximumOfAllRequests) {
    const int a = add_slave("a", MacvlanMode::vepa, 1, 100);
    EXPECT_EQ(used(a), 100u) << "a single slave's request below the default is used as is";
    const int b = add_slave("b", MacvlanMode::bridge, 2, 5000);
    const int c = add_slave("c", MacvlanMode::private_, 3, 300);
    EXPECT_EQ(requested(a), 100u);
    EXPECT_EQ(requested(b), 5000u);
    EXPECT_EQ(requested(c), 300u);
    for (int s : {a, b, c}) EXPECT_EQ(used(s), 5000u) << "seen from slave " << s;
}

// macvlan_changelink stores the new request and reruns update_port_bc_queue_len, so lowering the
// largest request lowers the port's length to the next largest, and raising any request raises it.
TEST_F(BcQueueLen, ChangelinkRecomputesUsed) {
    const int a = add_slave("a", MacvlanMode::vepa, 1, 100);
    const int b = add_slave("b", MacvlanMode::bridge, 2, 5000);
    const int c = add_slave("c", MacvlanMode::vepa, 3, 300);
    request(b, 50);
    EXPECT_EQ(requested(b), 50u);
    for (int s : {a, b, c}) EXPECT_EQ(used(s), 300u) << "after lowering the largest request, seen from " << s;
    request(a, 7000);
    for (int s : {a, b, c}) EXPECT_EQ(used(s), 7000u) << "after raising a request, seen from " << s;
}

// macvlan_dellink takes the slave off the port's list, then reruns update_port_bc_queue_len.
TEST_F(BcQueueLen, DeletingTheSlaveWithTheMaximumLowersUsed) {
    const int a = add_slave("a", MacvlanMode::vepa, 1, 100);
    const int b = add_slave("b", MacvlanMode::bridge, 2, 5000);
    const int c = add_slave("c", MacvlanMode::vepa, 3, 300);
    lab->host_nl->delete_link(b);
    EXPECT_EQ(used(a), 300u);
    EXPECT_EQ(used(c), 300u);
    lab->host_nl->delete_link(c);
    EXPECT_EQ(used(a), 100u);
}

// What the port's length does: macvlan_broadcast_enqueue queues only while the queue is shorter than
// bc_queue_len_used, so with every request at 0 each external broadcast is dropped (and counted on
// the parent). One other slave's request is enough to bring them back, also to the slave that asked
// for 0: the length is the port's (update_port_bc_queue_len).
TEST_F(BcQueueLen, ZeroOnEverySlaveDropsBroadcastsUntilOneSlaveRequestsRoom) {
    const int v = add_slave("v", MacvlanMode::vepa, 1, 0);
    const int w = add_slave("w", MacvlanMode::bridge, 2, 0);
    ASSERT_EQ(used(v), 0u);
    TaggedReceiver receiver(lab->host, v);

    const Verdict zero = send_and_watch(kBroadcast, receiver, VethLab::slave_mac(1));
    request(w, 100);
    ASSERT_EQ(used(v), 100u);
    const Verdict room = send_and_watch(kBroadcast, receiver, VethLab::slave_mac(1));
    RecordProperty("observed", "queue length 0: " + describe(zero) + "; 100: " + describe(room));
    EXPECT_FALSE(zero.delivered) << "a broadcast reached a slave through a queue of length 0";
    EXPECT_GE(zero.dropped, 1u) << "the parent did not count the broadcast the queue had no room for";
    EXPECT_TRUE(room.delivered) << "once another slave requested room, the broadcast still did not arrive";
}

// --- bc_cutoff ------------------------------------------------------------------------------------

// macvlan_port_create starts the port at a cutoff of 1, and macvlan_fill_info reports
// IFLA_MACVLAN_BC_CUTOFF only when it differs from that.
TEST_F(BcCutoff, DefaultOfOneIsNotReported) {
    const int a = add_slave("a", MacvlanMode::vepa, 1);
    EXPECT_EQ(cutoff(a), std::nullopt);
}

// update_port_bc_cutoff stores the value in the port, not the slave: any slave sets it, every slave
// reports it, and setting 1 again makes it unreported everywhere.
TEST_F(BcCutoff, SetAndReadBackPortWide) {
    const int a = add_slave("a", MacvlanMode::vepa, 1);
    const int b = add_slave("b", MacvlanMode::bridge, 2);
    set_cutoff(a, 5);
    EXPECT_EQ(cutoff(a), 5);
    EXPECT_EQ(cutoff(b), 5) << "set through a, read through b";
    set_cutoff(b, -1);
    EXPECT_EQ(cutoff(a), -1) << "set through b, read through a";
    EXPECT_EQ(cutoff(b), -1);
    set_cutoff(a, 1);
    EXPECT_EQ(cutoff(a), std::nullopt);
    EXPECT_EQ(cutoff(b), std::nullopt);
}

// macvlan_common_newlink applies a cutoff given at creation to the port it joins.
TEST_F(BcCutoff, SetAtCreationAppliesToThePort) {
    const int a = add_slave("a", MacvlanMode::vepa, 1);
    const int c = add_slave("c", MacvlanMode::vepa, 3, std::nullopt, 3);
    EXPECT_EQ(cutoff(c), 3);
    EXPECT_EQ(cutoff(a), 3) << "the existing slave does not see the port's new cutoff";
}

// The value lives in struct macvlan_port: it outlives the slave that set it and goes only with the
// port (macvlan_uninit destroys the port with its last slave; macvlan_port_create starts at 1).
TEST_F(BcCutoff, BelongsToThePortNotToTheSlave) {
    const int a = add_slave("a", MacvlanMode::vepa, 1);
    const int b = add_slave("b", MacvlanMode::bridge, 2);
    set_cutoff(a, 4);
    lab->host_nl->delete_link(a);
    EXPECT_EQ(cutoff(b), 4) << "deleting the slave that set it reset it";
    lab->host_nl->delete_link(b);
    const int c = add_slave("c", MacvlanMode::vepa, 3);
    EXPECT_EQ(cutoff(c), std::nullopt) << "a new port inherited the old port's cutoff";
}

// macvlan_recompute_bc_filter empties the port's bc_filter when the cutoff is negative, so
// macvlan_handle_frame floods even broadcasts inline (macvlan_multicast_rx) instead of queueing
// them: with a zero-length queue a broadcast is dropped at the default cutoff and delivered at -1.
TEST_F(BcCutoff, NegativeFloodsBroadcastsWithoutTheQueue) {
    const int v = add_slave("v", MacvlanMode::vepa, 1, 0);
    ASSERT_EQ(used(v), 0u);
    TaggedReceiver receiver(lab->host, v);

    const Verdict queued = send_and_watch(kBroadcast, receiver, VethLab::slave_mac(1));
    set_cutoff(v, -1);
    const Verdict inline_ = send_and_watch(kBroadcast, receiver, VethLab::slave_mac(1));
    RecordProperty("observed", "zero-length queue, broadcast at cutoff 1: " + describe(queued) +
                                   "; at cutoff -1: " + describe(inline_));
    EXPECT_FALSE(queued.delivered) << "at the default cutoff a broadcast went past a queue of length 0";
    EXPECT_GE(queued.dropped, 1u);
    EXPECT_TRUE(inline_.delivered) << "at cutoff -1 the broadcast was not flooded inline";
}

// macvlan_compute_filter leaves a multicast group out of the port's bc_filter while at most
// bc_cutoff slaves subscribe to it, but fills the whole filter when the parent is promiscuous. A
// veth has no unicast filter, so an up slave makes it promiscuous (__dev_set_rx_mode, uc_promisc):
// then every group is queued whatever the positive cutoff, and only a negative one
// (macvlan_recompute_bc_filter) lets a group past a zero-length queue.
TEST_F(BcCutoff, OnAPromiscuousParentOnlyANegativeCutoffSkipsTheQueue) {
    const int v = add_slave("v", MacvlanMode::vepa, 1, 0);
    ASSERT_EQ(used(v), 0u);
    ASSERT_GT(lab->parent_link().promiscuity, 0u) << "the parent is not promiscuous: this test's premise";
    TaggedReceiver receiver(lab->host, v);
    receiver.join_multicast(kGroup);  // one subscriber: at most the default cutoff of 1

    const Verdict at_one = send_and_watch(kGroup, receiver, VethLab::slave_mac(1));
    set_cutoff(v, 1000);
    const Verdict at_1000 = send_and_watch(kGroup, receiver, VethLab::slave_mac(1));
    set_cutoff(v, -1);
    const Verdict negative = send_and_watch(kGroup, receiver, VethLab::slave_mac(1));
    RecordProperty("observed", "zero-length queue, promiscuous parent, group with 1 subscriber: cutoff 1: " +
                                   describe(at_one) + "; cutoff 1000: " + describe(at_1000) +
                                   "; cutoff -1: " + describe(negative));
    EXPECT_FALSE(at_one.delivered) << "at cutoff 1 the group's frame went past a queue of length 0";
    EXPECT_GE(at_one.dropped, 1u);
    EXPECT_FALSE(at_1000.delivered) << "at cutoff 1000 the group's frame went past a queue of length 0";
    EXPECT_GE(at_1000.dropped, 1u);
    EXPECT_TRUE(negative.delivered) << "at cutoff -1 the group's frame was not flooded inline";
}

// The cutoff counts subscribers: macvlan_compute_filter leaves a group out of the port's bc_filter
// while at most bc_cutoff slaves have synced it to the parent (ha->synced), and such a group is
// flooded inline (macvlan_multicast_rx). Seen on a parent that is not promiscuous: a passthru slave
// with nopromisc has the parent's MAC, adds no unicast address and takes no promiscuity reference
// (macvlan_open). Its one subscription is within cutoff 1, so the group's frames skip the
// zero-length queue and arrive; at cutoff 0 they are queued, and dropped.
TEST_F(BcCutoff, GroupsWithAtMostCutoffSubscribersSkipTheQueue) {
    wire();  // first: the passthru slave will take every unicast frame the handshake sends the parent
    MacvlanSpec spec;
    spec.name = "pt";
    spec.lower_ifindex = lab->parent;
    spec.mode = MacvlanMode::passthru;
    spec.flags = kMacvlanFlagNoPromisc;
    spec.bc_queue_len = 0;
    create_macvlan(*lab->host_nl, spec);
    const int pt = lab->host_nl->link("pt").ifindex;
    lab->host_nl->set_up(pt);
    ASSERT_EQ(used(pt), 0u);
    const LinkInfo parent = lab->parent_link();
    ASSERT_EQ(parent.promiscuity, 0u) << "the parent is promiscuous: this test needs it not to be";
    ASSERT_EQ(parent.flags & IFF_ALLMULTI, 0u) << "the parent is allmulti: this test needs it not to be";
    TaggedReceiver receiver(lab->host, pt);
    receiver.join_multicast(kGroup);

    const Verdict at_one = send_and_watch(kGroup, receiver, lab->parent_mac);
    set_cutoff(pt, 0);
    const Verdict at_zero = send_and_watch(kGroup, receiver, lab->parent_mac);
    RecordProperty("observed", "zero-length queue, parent not promiscuous, group with 1 subscriber: cutoff 1: " +
                                   describe(at_one) + "; cutoff 0: " + describe(at_zero));
    EXPECT_TRUE(at_one.delivered) << "at cutoff 1 a group with one subscriber was not flooded inline";
    EXPECT_FALSE(at_zero.delivered) << "at cutoff 0 the group's frame went past a queue of length 0";
    EXPECT_GE(at_zero.dropped, 1u);
}

}  // namespace
}  // namespace mvc
