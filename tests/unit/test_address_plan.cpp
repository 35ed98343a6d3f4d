#include <gtest/gtest.h>

#include <set>

#include "address_plan.hpp"

namespace mvc {
namespace {

// The independence of concurrent cells rests on this: no two cells share an address, and no
// address belongs to two endpoints.
TEST(AddressPlan, EveryCellHasItsOwnAddressPair) {
    const AddressPlan plan;
    const std::vector<Endpoint> endpoints(std::begin(kAllEndpoints), std::end(kAllEndpoints));
    for (auto family : {Family::ipv4, Family::ipv6}) {
        std::set<std::string> used;
        for (auto from : endpoints)
            for (auto to : endpoints) {
                if (from == to) continue;
                const auto p = plan.cell(from, to, family);
                EXPECT_TRUE(used.insert(p.source.str()).second) << p.source.str();
                EXPECT_TRUE(used.insert(p.destination.str()).second) << p.destination.str();
            }
        for (auto e : endpoints) EXPECT_TRUE(used.insert(plan.control(e, family).str()).second);
        EXPECT_TRUE(used.insert(plan.unowned(family).str()).second);
    }
}

TEST(AddressPlan, EachEndpointCarriesExactlyItsOwnAddresses) {
    const AddressPlan plan;
    const std::vector<Endpoint> endpoints(std::begin(kAllEndpoints), std::end(kAllEndpoints));
    std::set<std::string> all;
    size_t total = 0;
    for (auto e : endpoints) {
        const auto mine = plan.addresses_of(e, endpoints, Family::ipv4);
        total += mine.size();
        for (const auto& a : mine) all.insert(a.str());
        for (auto other : endpoints)
            if (other != e) {
                EXPECT_NE(std::find(mine.begin(), mine.end(), plan.cell(e, other, Family::ipv4).source), mine.end());
                EXPECT_NE(std::find(mine.begin(), mine.end(), plan.cell(other, e, Family::ipv4).destination), mine.end());
            }
    }
    EXPECT_EQ(all.size(), total);
}

TEST(AddressPlan, UsesTheDocumentationRanges) {
    const AddressPlan plan;
    EXPECT_EQ(plan.cell(Endpoint::host, Endpoint::ext, Family::ipv4).source.str().rfind("192.0.2.", 0), 0u);
    EXPECT_EQ(plan.cell(Endpoint::host, Endpoint::ext, Family::ipv6).source.str().rfind("2001:db8:2::", 0), 0u);
}

}  // namespace
}  // namespace mvc
