// SPDX-License-Identifier: MIT
// The derived broadcast and multicast matrices against the hand-written ones.
#include <gtest/gtest.h>

#include "broadcast_expectations.hpp"
#include "delivery_probe.hpp"
#include "json_fields.hpp"
#include "fixture_files.hpp"
#include "spec_fixtures.hpp"

namespace mvc {
namespace {

TEST(DerivedBroadcast, EqualsEveryHandListedCell) {
    const auto set = BroadcastExpectationSet::derive(testing_support::shipped_catalog(), testing_support::shipped_rules());
    const auto doc = read_json_file(testing_support::hand_listed("hand_listed_broadcast.json"));
    size_t compared = 0;
    for (const auto& m : doc["matrices"])
        for (const auto& c : m["cells"]) {
            const BroadcastCellId id{m["mode"], m["variant"], frame_kind_from_string(m["frame"].get<std::string>()), c["from"], c["to"]};
            ASSERT_TRUE(set.cells().count(id)) << id.name() << " is not derived";
            EXPECT_EQ(std::string(to_string(set.at(id).expected)), c["expected"].get<std::string>())
                << id.name() << ": hand-listed because " << c["reason"] << "; derived because " << set.at(id).reason;
            ++compared;
        }
    EXPECT_EQ(compared, 152u);
}

TEST(DerivedBroadcast, MixedLayoutsHaveMatricesToo) {
    const auto set = BroadcastExpectationSet::derive(testing_support::shipped_catalog(), testing_support::shipped_rules());
    // A reflected broadcast from a vepa slave reaches bridge slaves; one from a bridge slave reaches
    // vepa slaves only (the mode masks of macvlan_handle_frame).
    EXPECT_EQ(set.at({"mixed.bridge_vepa", "hairpin", FrameKind::broadcast, "c1", "c2"}).expected, Delivery::delivered);
    EXPECT_EQ(set.at({"mixed.vepa_bridge", "hairpin", FrameKind::broadcast, "c1", "c2"}).expected, Delivery::delivered);
    EXPECT_EQ(set.at({"mixed.bridge_private", "hairpin", FrameKind::broadcast, "c1", "c2"}).expected, Delivery::not_delivered);
    EXPECT_EQ(set.at({"docker_two_networks", "plain", FrameKind::broadcast, "shim", "n1"}).expected, Delivery::delivered);
    EXPECT_EQ(set.at({"docker_two_networks", "plain", FrameKind::broadcast, "shim", "v1"}).expected, Delivery::not_delivered);
}

TEST(DerivedBroadcast, MulticastReachesSlavesThatJoinedAndSourceCopiesIgnoreTheFilter) {
    const auto set = BroadcastExpectationSet::derive(testing_support::shipped_catalog(), testing_support::shipped_rules());
    // c1 joined the test groups, c2 did not (macvlan_broadcast tests each slave's mc_filter)...
    EXPECT_EQ(set.at({"vepa", "plain", FrameKind::multicast, "ext", "c1"}).expected, Delivery::delivered);
    EXPECT_EQ(set.at({"vepa", "plain", FrameKind::multicast, "ext", "c2"}).expected, Delivery::not_delivered);
    // ...but macvlan_forward_source copies to a source slave listing the sender, filter or not.
    EXPECT_EQ(set.at({"source", "plain", FrameKind::multicast, "ext", "c2"}).expected, Delivery::delivered);
    // ...and so does macvlan_handle_frame's "forward to original port": a private sender that joined
    // nothing (c1 of macvtap.mixed.private) gets its reflected multicast back all the same.
    EXPECT_EQ(set.at({"macvtap.mixed.private", "hairpin", FrameKind::multicast, "c1", "c1"}).expected, Delivery::delivered);
    EXPECT_EQ(set.at({"macvtap.mixed.private", "hairpin", FrameKind::multicast, "c1", "c2"}).expected, Delivery::not_delivered);
}

TEST(DerivedBroadcast, MacvtapGuestsExpectWhatMacvlanSlavesDo) {
    // macvtap_newlink calls macvlan_common_newlink: a guest's macvtap is a port member like any
    // macvlan, and no rule tells the kinds apart. So the shipped catalog with every slave a macvlan
    // derives the same broadcast matrices, cell by cell, for the macvtap topologies.
    auto doc = testing_support::read(testing_support::shipped_fixtures() / "topologies" / "reachability.json");
    for (auto& t : doc["topologies"])
        for (auto& s : t["slaves"]) s.erase("kind");
    const testing_support::TempFile flipped("reachability.json");
    flipped.write(doc);
    auto all_macvlan = TopologyCatalog::load(flipped.path());
    all_macvlan.derive_controls(testing_support::shipped_rules(), flipped.path());
    const auto guests = BroadcastExpectationSet::derive(testing_support::shipped_catalog(), testing_support::shipped_rules());
    const auto slaves = BroadcastExpectationSet::derive(all_macvlan, testing_support::shipped_rules());
    size_t compared = 0;
    for (const auto& [cell, e] : guests.cells()) {
        if (cell.topology.rfind("macvtap.", 0) != 0) continue;
        ASSERT_TRUE(slaves.cells().count(cell)) << cell.name();
        EXPECT_EQ(e.expected, slaves.at(cell).expected) << cell.name();
        ++compared;
    }
    // 5 + 4 topologies x 2 variants x 2 frames: senders c1 and ext to 4 endpoints (3 for passthru),
    // in the mixed ones senders c1, c2 and ext.
    EXPECT_EQ(compared, 2u * 2 * (4 * 2 * 4 + 2 * 3) + 4u * 2 * 2 * 3 * 4);
}

TEST(DeliveryTestGroups, DifferOnlyInTheTopByteOfTheHashedWord) {
    const auto groups = delivery_test_groups();
    ASSERT_EQ(groups.size(), 8u);
    for (const auto& g : groups) {
        EXPECT_EQ(g.bytes()[0] & 1, 1) << "multicast";
        EXPECT_EQ(g.bytes()[2], 0xff);
        EXPECT_EQ(g.bytes()[3], 0xff);
        EXPECT_EQ(g.bytes()[4], 0xff);
    }
}

}  // namespace
}  // namespace mvc
