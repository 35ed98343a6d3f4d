// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <set>

#include "address_plan.hpp"
#include "spec_fixtures.hpp"

namespace mvc {
namespace {

TEST(AddressPlan, EveryCellHasAddressesOfItsOwn) {
    const auto& t = *testing_support::shipped_catalog().find("vepa", "hairpin");
    const AddressPlan plan(t, AddressPlan::default_ranges());
    for (auto family : {Family::ipv4, Family::ipv6}) {
        std::set<std::string> seen;
        for (const auto& e : t.endpoints()) {
            EXPECT_TRUE(seen.insert(plan.control(e, family).str()).second);
            EXPECT_TRUE(seen.insert(plan.pacer(e, family).str()).second);
        }
        for (const auto& [from, to] : t.cell_pairs()) {
            const auto pair = plan.cell(from, to, family);
            EXPECT_TRUE(seen.insert(pair.source.str()).second) << from << "->" << to;
            EXPECT_TRUE(seen.insert(pair.destination.str()).second) << from << "->" << to;
            EXPECT_TRUE(plan.contains(pair.source));
        }
        EXPECT_FALSE(seen.count(plan.unowned(family).str()));
        EXPECT_EQ(plan.prefix_length(family), family == Family::ipv4 ? 24 : 64);
    }
}

TEST(AddressPlan, EachEndpointCarriesItsCellsAndControls) {
    const auto& t = *testing_support::shipped_catalog().find("bridge", "plain");
    const AddressPlan plan(t, AddressPlan::default_ranges());
    for (auto family : {Family::ipv4, Family::ipv6})
        for (const auto& e : t.endpoints()) {
            const auto& mine = plan.addresses_of(e, family);
            EXPECT_EQ(mine.size(), 2 + 2 * (t.endpoints().size() - 1)) << e;
            for (const auto& [from, to] : t.cell_pairs()) {
                const auto pair = plan.cell(from, to, family);
                const bool source_here = std::count(mine.begin(), mine.end(), pair.source) > 0;
                const bool destination_here = std::count(mine.begin(), mine.end(), pair.destination) > 0;
                EXPECT_EQ(source_here, from == e);
                EXPECT_EQ(destination_here, to == e);
            }
        }
}

// A slave with hundreds of addresses must join one solicited-node group, not hundreds.
TEST(AddressPlan, AnEndpointsIpv6AddressesShareTheirSolicitedNodeGroup) {
    TopologySpec t;
    t.name = "many";
    for (int i = 0; i < 12; ++i) t.slaves.push_back({"c" + std::to_string(i), MacvlanMode::bridge, false, SlaveKind::macvlan, {}});
    const AddressPlan plan(t, AddressPlan::large_ranges());
    for (const auto& e : t.endpoints()) {
        std::set<std::string> low24;
        for (const auto& a : plan.addresses_of(e, Family::ipv6)) {
            const auto& b = a.v6().s6_addr;
            low24.insert(std::to_string(b[13]) + "." + std::to_string(b[14]) + "." + std::to_string(b[15]));
        }
        EXPECT_EQ(low24.size(), 1u) << e;
    }
}

TEST(AddressPlan, ALargeTopologyNeedsTheLargeRange) {
    TopologySpec t;
    t.name = "big";
    for (int i = 0; i < 64; ++i) t.slaves.push_back({"c" + std::to_string(i), MacvlanMode::vepa, false, SlaveKind::macvlan, {}});
    EXPECT_FALSE(AddressPlan::fits(AddressPlan::default_ranges().v4, AddressPlan::ipv4_needed(t)));
    EXPECT_THROW(AddressPlan(t, AddressPlan::default_ranges()), std::length_error);
    const AddressPlan plan(t, AddressPlan::large_ranges());
    EXPECT_EQ(plan.prefix_length(Family::ipv4), 15);
    EXPECT_TRUE(AddressPlan::large_ranges().v4.contains(plan.cell("c3", "c60", Family::ipv4).destination));
}

}  // namespace
}  // namespace mvc
