// SPDX-License-Identifier: MIT
// Source mode: the per-slave allow-list of remote source MACs (IFLA_MACVLAN_MACADDR*, `ip link
// ... macaddr add|del|set|flush`), which frames it hands to the slave, and MACVLAN_FLAG_NODST
// ("skip dst macvlan if matching src macvlan", `ip link ... mode source nodst`). Frames come from
// the ext side with crafted source MACs; a packet socket bound to the test ethertype on a device
// sees only what that device's stack is handed.
#include <gtest/gtest.h>
#include <linux/if_packet.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "error.hpp"
#include "macvlan_link.hpp"
#include "tagged_frames.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

using namespace std::chrono_literals;
using MacSet = std::set<MacAddress>;

// A frame that should arrive is awaited this long at most (it normally takes microseconds).
constexpr auto kArrivalTimeout = 2s;
// After the sentinel has arrived, the frame before it has already been decided (StayOnThisCpu);
// the window only gives a late copy, from a path not thought of, its chance to show up.
constexpr auto kQuietWindow = 100ms;

const MacAddress kBroadcast = MacAddress::parse("ff:ff:ff:ff:ff:ff");
const MacAddress kNobody = MacAddress::local(0xee, 0xee);  // no device has it

// Remote stations behind the peer: only their source MACs matter.
MacAddress station(uint8_t n) { return MacAddress::local(0x30, n); }

std::string describe(const std::vector<MacAddress>& macs) {
    std::string s;
    for (const auto& m : macs) s += (s.empty() ? "" : " ") + m.str();
    return "[" + s + "]";
}

// The allow-list as the kernel reports it, compared as a set: macvlan_fill_info_macaddr walks the
// port's hash buckets, so the order is the hash order, not the order entries were added. The count
// (IFLA_MACVLAN_MACADDR_COUNT, vlan->macaddr_count) and the dump's length must agree with the set.
::testing::AssertionResult lists_exactly(const MacvlanInfo& info, const MacSet& expected) {
    const MacSet dumped(info.macaddrs.begin(), info.macaddrs.end());
    if (dumped == expected && info.macaddrs.size() == expected.size() && info.macaddr_count == expected.size())
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the kernel reports count " << info.macaddr_count << " and list "
                                         << describe(info.macaddrs) << ", expected "
                                         << describe({expected.begin(), expected.end()});
}

// The errno of a refused request, or "accepted".
std::string outcome(const std::function<void()>& request) {
    try {
        request();
        return "accepted";
    } catch (const NetlinkError& e) {
        return errno_name(e.error());
    }
}

class SourceModeTest : public LabTest {
protected:

    // A slave of the lab's parent with slave_mac(n), created with this allow-list
    // (MACVLAN_MACADDR_SET in the RTM_NEWLINK) and brought up.
    int add_slave(const std::string& name, MacvlanMode mode, uint8_t n, std::vector<MacAddress> sources = {},
                  uint16_t flags = 0) {
        MacvlanSpec spec;
        spec.name = name;
        spec.lower_ifindex = lab->parent;
        spec.mode = mode;
        spec.mac = VethLab::slave_mac(n);
        spec.flags = flags;
        spec.source_macs = std::move(sources);
        create_macvlan(*lab->host_nl, spec);
        const int ifindex = lab->host_nl->link(name).ifindex;
        lab->host_nl->set_up(ifindex);
        return ifindex;
    }
    int add_source_slave(const std::string& name, uint8_t n, std::vector<MacAddress> sources = {},
                         uint16_t flags = 0) {
        return add_slave(name, MacvlanMode::source, n, std::move(sources), flags);
    }

    MacvlanInfo info(int ifindex) { return macvlan_info(*lab->host_nl, ifindex); }
    void edit(int ifindex, MacaddrMode mode, std::vector<MacAddress> macs = {}) {
        MacvlanChange c;
        c.macaddr_mode = mode;
        c.macaddrs = std::move(macs);
        change_macvlan(*lab->host_nl, ifindex, c);
    }
    void set_mode(int ifindex, MacvlanMode mode) {
        MacvlanChange c;
        c.mode = mode;
        change_macvlan(*lab->host_nl, ifindex, c);
    }
    void set_flags(int ifindex, uint16_t flags) {
        MacvlanChange c;
        c.flags = flags;
        change_macvlan(*lab->host_nl, ifindex, c);
    }

    // The ext side's sender, once the wire has been seen to carry frames.
    FrameInjector& wire() {
        if (!injector_) {
            wait_until_the_wire_carries_frames(*lab);
            injector_ = std::make_unique<FrameInjector>(*lab);
        }
        return *injector_;
    }
    uint8_t tag() { return ++last_tag_; }  // 0 is the wire handshake's


private:
    std::unique_ptr<FrameInjector> injector_;
    uint8_t last_tag_ = 0;
};

class SourceModeNodstTest : public SourceModeTest {
protected:
    FeatureList needs() const override { return {&Capabilities::nodst}; }
    // A source slave with MACVLAN_FLAG_NODST, or nullopt when the kernel refuses the flag bit.
    std::optional<int> add_nodst_slave(const std::string& name, uint8_t n, std::vector<MacAddress> sources) {
        try {
            return add_source_slave(name, n, std::move(sources), kMacvlanFlagNoDst);
        } catch (const NetlinkError& e) {
            if (e.error() != EINVAL) throw;
            return std::nullopt;
        }
    }
    static constexpr const char* kNoNodst =
        "kernel has no MACVLAN_FLAG_NODST: macvlan_validate refuses the flag bit with EINVAL";
};

using SourceMode = SourceModeTest;
using SourceModeNodst = SourceModeNodstTest;

// --- The allow-list through netlink -----------------------------------------------------------

// macvlan_changelink_sources: ADD puts one entry in (macvlan_hash_add_source), DEL takes exactly
// that one out, SET flushes and installs the given list, FLUSH empties it (macvlan_flush_sources).
TEST_F(SourceMode, MacaddrAddDelSetFlush) {
    const int s = add_source_slave("src", 1);
    EXPECT_TRUE(lists_exactly(info(s), {})) << "a slave created without a list";

    edit(s, MacaddrMode::add, {station(1)});
    edit(s, MacaddrMode::add, {station(2)});
    edit(s, MacaddrMode::add, {station(3)});
    const auto after_adds = info(s);
    EXPECT_TRUE(lists_exactly(after_adds, {station(1), station(2), station(3)})) << "after three adds";
    RecordProperty("observed", "dump order after adding " + describe({station(1), station(2), station(3)}) + ": " +
                                   describe(after_adds.macaddrs) + " (hash order, macvlan_fill_info_macaddr)");

    edit(s, MacaddrMode::del, {station(2)});
    EXPECT_TRUE(lists_exactly(info(s), {station(1), station(3)})) << "after deleting the second";

    edit(s, MacaddrMode::set, {station(4), station(5), station(1)});
    EXPECT_TRUE(lists_exactly(info(s), {station(1), station(4), station(5)})) << "set replaces the whole list";

    edit(s, MacaddrMode::flush);
    EXPECT_TRUE(lists_exactly(info(s), {})) << "after flush";
}

// macvlan_common_newlink runs macvlan_changelink_sources for a MACADDR_MODE in the creation request.
TEST_F(SourceMode, MacaddrSetAtCreationInstallsTheList) {
    const int s = add_source_slave("src", 1, {station(1), station(2), station(3)});
    EXPECT_TRUE(lists_exactly(info(s), {station(1), station(2), station(3)}));
}

// macvlan_hash_add_source returns 0 without adding when macvlan_hash_lookup_source finds the entry,
// also for a duplicate inside one SET list.
TEST_F(SourceMode, MacaddrAddOfAListedSourceIsANoOp) {
    const int s = add_source_slave("src", 1, {station(1), station(2)});
    EXPECT_EQ(outcome([&] { edit(s, MacaddrMode::add, {station(1)}); }), "accepted");
    EXPECT_TRUE(lists_exactly(info(s), {station(1), station(2)})) << "after adding a listed source again";

    edit(s, MacaddrMode::set, {station(3), station(3), station(4)});
    EXPECT_TRUE(lists_exactly(info(s), {station(3), station(4)})) << "after a set naming one source twice";
}

// macvlan_changelink_sources DEL: when macvlan_hash_lookup_source finds nothing it returns 0.
TEST_F(SourceMode, MacaddrDelOfAnUnlistedSourceChangesNothing) {
    const int s = add_source_slave("src", 1, {station(1), station(2)});
    EXPECT_EQ(outcome([&] { edit(s, MacaddrMode::del, {station(9)}); }), "accepted");
    EXPECT_TRUE(lists_exactly(info(s), {station(1), station(2)}));

    edit(s, MacaddrMode::flush);
    EXPECT_EQ(outcome([&] { edit(s, MacaddrMode::del, {station(1)}); }), "accepted") << "on an empty list";
    EXPECT_TRUE(lists_exactly(info(s), {}));
}

// macvlan_changelink refuses IFLA_MACVLAN_MACADDR_MODE unless the slave is in source mode, and so
// does macvlan_common_newlink at creation (no link is left behind).
TEST_F(SourceMode, MacaddrModeOnANonSourceSlaveIsEinval) {
    const int v = add_slave("vepa", MacvlanMode::vepa, 1);
    EXPECT_EQ(outcome([&] { edit(v, MacaddrMode::add, {station(1)}); }), "EINVAL") << "add";
    EXPECT_EQ(outcome([&] { edit(v, MacaddrMode::set, {station(1)}); }), "EINVAL") << "set";
    EXPECT_EQ(outcome([&] { edit(v, MacaddrMode::flush); }), "EINVAL") << "flush";
    EXPECT_TRUE(lists_exactly(info(v), {}));

    EXPECT_EQ(outcome([&] { add_slave("bridge", MacvlanMode::bridge, 2, {station(1)}); }), "EINVAL")
        << "creating a bridge slave with a source list";
    EXPECT_FALSE(lab->host_nl->find_link("bridge").has_value());
}

// The entries of every slave share the port's vlan_source_hash, tagged with their slave:
// macvlan_fill_info_macaddr reports only the slave's own, macvlan_flush_sources removes only those.
TEST_F(SourceMode, ListsArePerSlaveOnOneParent) {
    const int s1 = add_source_slave("src1", 1, {station(1), station(2)});
    const int s2 = add_source_slave("src2", 2, {station(2), station(3)});
    EXPECT_TRUE(lists_exactly(info(s1), {station(1), station(2)}));
    EXPECT_TRUE(lists_exactly(info(s2), {station(2), station(3)}));

    edit(s1, MacaddrMode::flush);
    EXPECT_TRUE(lists_exactly(info(s1), {}));
    EXPECT_TRUE(lists_exactly(info(s2), {station(2), station(3)})) << "flushing src1 touched src2";
}

// macvlan_changelink flushes the list when the mode changes away from source: the entries are gone,
// not hidden, so coming back to source mode starts empty.
TEST_F(SourceMode, LeavingSourceModeFlushesTheList) {
    const int s = add_source_slave("src", 1, {station(1), station(2)});
    set_mode(s, MacvlanMode::vepa);
    EXPECT_EQ(info(s).mode, static_cast<uint32_t>(MacvlanMode::vepa));
    EXPECT_TRUE(lists_exactly(info(s), {})) << "in vepa mode";
    set_mode(s, MacvlanMode::source);
    EXPECT_TRUE(lists_exactly(info(s), {})) << "back in source mode";
}

// --- What the list lets through ----------------------------------------------------------------

// macvlan_forward_source hands the slave a copy of every frame whose source is on its list; a
// frame from any other source is not for it (macvlan_handle_frame passes a frame addressed to a
// source-mode slave's own MAC up the parent instead). The unlisted frame goes first, so once the
// listed sentinel has arrived the unlisted one has been decided.
TEST_F(SourceMode, ListedSourceIsDeliveredUnlistedIsNot) {
    const int s = add_source_slave("src", 1, {station(1)});
    TaggedReceiver slave(lab->host, s);
    auto& w = wire();
    const uint8_t unlisted = tag(), listed = tag();
    {
        StayOnThisCpu same_backlog;
        w.send(VethLab::slave_mac(1), station(2), unlisted);
        w.send(VethLab::slave_mac(1), station(1), listed);
    }
    ASSERT_TRUE(slave.wait_for(listed, kArrivalTimeout)) << "the frame from the listed source never arrived";
    slave.linger(kQuietWindow);
    EXPECT_FALSE(slave.saw(unlisted)) << "a frame from an unlisted source reached the source-mode slave";
    EXPECT_EQ(slave.copies(listed), 1u);
}

// The list selects by source only. macvlan_forward_source_one marks the copy PACKET_HOST only when
// it is addressed to the slave's own MAC and otherwise keeps what the parent's eth_type_trans said;
// a broadcast reaches the slave once, since macvlan_multicast_rx never floods to source-mode slaves.
TEST_F(SourceMode, ListedSourceIsDeliveredWhateverTheDestination) {
    const int s = add_source_slave("src", 1, {station(1)});
    TaggedReceiver slave(lab->host, s);
    auto& w = wire();
    const uint8_t own = tag(), foreign = tag(), broadcast = tag();
    w.send(VethLab::slave_mac(1), station(1), own);
    w.send(kNobody, station(1), foreign);
    w.send(kBroadcast, station(1), broadcast);
    for (uint8_t t : {own, foreign, broadcast})
        ASSERT_TRUE(slave.wait_for(t, kArrivalTimeout)) << "frame " << int(t) << " never reached the slave";
    slave.linger(kQuietWindow);
    auto type = [&](uint8_t t) { return int(slave.packet_type(t).value_or(0xff)); };
    RecordProperty("observed", "packet types: own MAC " + std::to_string(type(own)) + ", foreign " +
                                   std::to_string(type(foreign)) + ", broadcast " + std::to_string(type(broadcast)));
    EXPECT_EQ(type(own), PACKET_HOST);
    EXPECT_EQ(type(foreign), PACKET_OTHERHOST)
        << "older kernels' macvlan_forward_source_one marked every copy PACKET_HOST";
    EXPECT_EQ(type(broadcast), PACKET_BROADCAST);
    EXPECT_EQ(slave.copies(broadcast), 1u);
}

// macvlan_forward_source walks every entry of the source's hash bucket: each slave listing the
// source gets its own copy (macvlan_forward_source_one clones), a slave not listing it gets none.
TEST_F(SourceMode, EverySlaveListingTheSourceGetsACopy) {
    const int s1 = add_source_slave("src1", 1, {station(1)});
    const int s2 = add_source_slave("src2", 2, {station(1), station(2)});
    const int s3 = add_source_slave("src3", 3, {station(2)});
    TaggedReceiver r1(lab->host, s1), r2(lab->host, s2), r3(lab->host, s3);
    auto& w = wire();
    const uint8_t from_1 = tag(), sentinel = tag();
    {
        StayOnThisCpu same_backlog;
        w.send(kNobody, station(1), from_1);
        w.send(kNobody, station(2), sentinel);
    }
    ASSERT_TRUE(r1.wait_for(from_1, kArrivalTimeout));
    ASSERT_TRUE(r2.wait_for(from_1, kArrivalTimeout));
    ASSERT_TRUE(r3.wait_for(sentinel, kArrivalTimeout));
    r3.linger(kQuietWindow);
    EXPECT_FALSE(r3.saw(from_1)) << "src3 does not list " << station(1).str();
}

// Edits act on the next frame: macvlan_hash_del_source unlinks the entry that macvlan_forward_source
// would have found.
TEST_F(SourceMode, DeletedSourceIsNoLongerDelivered) {
    const int s = add_source_slave("src", 1, {station(1), station(2)});
    TaggedReceiver slave(lab->host, s);
    auto& w = wire();
    const uint8_t before = tag();
    w.send(VethLab::slave_mac(1), station(1), before);
    ASSERT_TRUE(slave.wait_for(before, kArrivalTimeout)) << "the listed source was not delivered to begin with";

    edit(s, MacaddrMode::del, {station(1)});
    const uint8_t after = tag(), sentinel = tag();
    {
        StayOnThisCpu same_backlog;
        w.send(VethLab::slave_mac(1), station(1), after);
        w.send(VethLab::slave_mac(1), station(2), sentinel);
    }
    ASSERT_TRUE(slave.wait_for(sentinel, kArrivalTimeout));
    slave.linger(kQuietWindow);
    EXPECT_FALSE(slave.saw(after)) << "a deleted source was still delivered";
}

// What the sentinel method rests on: macvlan_forward_source_one queues each copy with __netif_rx
// on the CPU handling the frame, so frames sent from one CPU reach the slave in the order sent.
TEST_F(SourceMode, FramesFromAListedSourceArriveInTheOrderSent) {
    const int s = add_source_slave("src", 1, {station(1)});
    TaggedReceiver slave(lab->host, s);
    auto& w = wire();
    std::vector<uint8_t> sent;
    {
        StayOnThisCpu same_backlog;
        for (int i = 0; i < 64; ++i) {
            sent.push_back(tag());
            w.send(VethLab::slave_mac(1), station(1), sent.back());
        }
    }
    ASSERT_TRUE(slave.wait_for(sent.back(), kArrivalTimeout));
    EXPECT_EQ(slave.arrival_order(), sent);
}

// --- MACVLAN_FLAG_NODST ------------------------------------------------------------------------

// macvlan_validate accepts the bit, macvlan_changelink stores IFLA_MACVLAN_FLAGS as given and
// macvlan_fill_info reports it.
TEST_F(SourceModeNodst, FlagIsReportedAndCanBeCleared) {
    const auto s = add_nodst_slave("src", 1, {station(1)});
    if (!s) GTEST_SKIP() << kNoNodst;
    EXPECT_EQ(info(*s).flags & kMacvlanFlagNoDst, kMacvlanFlagNoDst) << "after creation with nodst";
    set_flags(*s, 0);
    EXPECT_EQ(info(*s).flags & kMacvlanFlagNoDst, 0) << "after clearing it";
    set_flags(*s, kMacvlanFlagNoDst);
    EXPECT_EQ(info(*s).flags & kMacvlanFlagNoDst, kMacvlanFlagNoDst) << "after setting it again";
}

// With nodst, macvlan_forward_source returns true for a listed source and macvlan_handle_frame
// consumes the frame: the bridge slave it is addressed to never sees it. The sentinel, from an
// unlisted source to the same slave, is delivered by the same macvlan_handle_frame path.
TEST_F(SourceModeNodst, ListedFrameForAnotherSlaveReachesOnlyTheSourceSlave) {
    const auto s = add_nodst_slave("src", 1, {station(1)});
    if (!s) GTEST_SKIP() << kNoNodst;
    const int b = add_slave("bridge", MacvlanMode::bridge, 2);
    TaggedReceiver source_slave(lab->host, *s), bridge_slave(lab->host, b);
    auto& w = wire();
    const uint8_t listed = tag(), sentinel = tag();
    {
        StayOnThisCpu same_backlog;
        w.send(VethLab::slave_mac(2), station(1), listed);
        w.send(VethLab::slave_mac(2), station(2), sentinel);
    }
    ASSERT_TRUE(bridge_slave.wait_for(sentinel, kArrivalTimeout)) << "the bridge slave never got the sentinel";
    EXPECT_TRUE(source_slave.wait_for(listed, kArrivalTimeout)) << "the source slave did not get the listed frame";
    bridge_slave.linger(kQuietWindow);
    EXPECT_FALSE(bridge_slave.saw(listed)) << "nodst did not keep the listed frame from its destination slave";
    RecordProperty("observed", bridge_slave.saw(listed) ? "destination slave got the frame too"
                                                        : "only the source slave got the frame");
}

// Without nodst, macvlan_forward_source returns false: the source slave gets its copy and
// macvlan_handle_frame still delivers the frame to the slave owning the destination MAC.
TEST_F(SourceModeNodst, WithoutTheFlagAListedFrameReachesBothSlaves) {
    const int s = add_source_slave("src", 1, {station(1)});
    const int b = add_slave("bridge", MacvlanMode::bridge, 2);
    TaggedReceiver source_slave(lab->host, s), bridge_slave(lab->host, b);
    auto& w = wire();
    const uint8_t listed = tag();
    w.send(VethLab::slave_mac(2), station(1), listed);
    EXPECT_TRUE(source_slave.wait_for(listed, kArrivalTimeout)) << "the source slave did not get its copy";
    EXPECT_TRUE(bridge_slave.wait_for(listed, kArrivalTimeout)) << "the destination slave did not get the frame";
    EXPECT_EQ(int(bridge_slave.packet_type(listed).value_or(0xff)), PACKET_HOST);
}

// nodst consumes listed frames before anything else looks at them (macvlan_handle_frame returns
// RX_HANDLER_CONSUMED), in the multicast branch too: the parent's own stack sees neither unicast
// nor broadcast from a listed source. Cleared, both are passed up the parent again.
TEST_F(SourceModeNodst, ParentSeesListedFramesOnlyWithoutTheFlag) {
    const auto s = add_nodst_slave("src", 1, {station(1)});
    if (!s) GTEST_SKIP() << kNoNodst;
    TaggedReceiver parent(lab->host, lab->parent);
    auto& w = wire();
    auto round = [&](uint8_t unicast, uint8_t broadcast) {
        const uint8_t sentinel = tag();
        {
            StayOnThisCpu same_backlog;
            w.send(lab->parent_mac, station(1), unicast);
            w.send(kBroadcast, station(1), broadcast);
            w.send(lab->parent_mac, station(2), sentinel);
        }
        if (!parent.wait_for(sentinel, kArrivalTimeout)) throw std::runtime_error("the parent never got the sentinel");
        parent.linger(kQuietWindow);
    };

    const uint8_t unicast_nodst = tag(), broadcast_nodst = tag();
    round(unicast_nodst, broadcast_nodst);
    EXPECT_FALSE(parent.saw(unicast_nodst)) << "with nodst, the parent got a listed unicast frame";
    EXPECT_FALSE(parent.saw(broadcast_nodst)) << "with nodst, the parent got a listed broadcast";

    set_flags(*s, 0);
    const uint8_t unicast = tag(), broadcast = tag();
    round(unicast, broadcast);
    EXPECT_TRUE(parent.saw(unicast)) << "without nodst, the parent did not get a listed unicast frame";
    EXPECT_TRUE(parent.saw(broadcast)) << "without nodst, the parent did not get a listed broadcast";
}

}  // namespace
}  // namespace mvc
