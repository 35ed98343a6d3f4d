// SPDX-License-Identifier: MIT
// --inject-fault loss:N: the nftables rules, and the reading of what they dropped.
#include <gtest/gtest.h>

#include "random_loss.hpp"

namespace mvc {
namespace {

TEST(RandomLoss, TheRulesDrawOncePerFrameAndSendThatShareToTheLosingChain) {
    const auto rules = random_loss_ruleset({"parent", "peer"}, 30);
    EXPECT_NE(rules.find("hook ingress device \"parent\""), std::string::npos) << rules;
    EXPECT_NE(rules.find("hook ingress device \"peer\""), std::string::npos) << rules;
    EXPECT_NE(rules.find("numgen random mod 100 vmap { 0-29 : jump lose, 30-99 : accept }"), std::string::npos) << rules;
    EXPECT_NE(rules.find("add @lost4 { arp saddr ip } drop"), std::string::npos) << "an ARP frame's sender is noted";
    EXPECT_NE(rules.find("add @lost6 { ip6 saddr } drop"), std::string::npos);
    EXPECT_NE(rules.find("counter name unattributed drop"), std::string::npos) << "anything else is counted, never ignored";
}

TEST(RandomLoss, APercentageOutsideOneToNinetyNineIsRefused) {
    EXPECT_THROW(random_loss_ruleset({"parent"}, 0), std::invalid_argument);
    EXPECT_THROW(random_loss_ruleset({"parent"}, 100), std::invalid_argument);
}

TEST(RandomLoss, ASetListingGivesItsAddresses) {
    const auto lost = parse_nft_set_listing(
        R"({"nftables": [{"metainfo": {"version": "1.0.6"}}, {"set": {"family": "netdev", "name": "lost6", "table": "mvc_loss",)"
        R"( "type": "ipv6_addr", "handle": 6, "size": 65535, "elem": ["::", "fd01::1", {"elem": {"val": "fd01::2", "timeout": 1}}]}}]})");
    ASSERT_EQ(lost.size(), 3u);
    EXPECT_EQ(lost[1], IpAddress::parse("fd01::1"));
    EXPECT_EQ(lost[2], IpAddress::parse("fd01::2"));
    EXPECT_TRUE(parse_nft_set_listing(R"({"nftables": [{"set": {"name": "lost4"}}]})").empty()) << "an empty set has no elem";
}

TEST(RandomLoss, ACounterListingGivesItsPackets) {
    EXPECT_EQ(parse_nft_counter_listing(R"({"nftables": [{"metainfo": {}}, {"counter": {"name": "dropped", "packets": 27, "bytes": 2448}}]})"), 27u);
    EXPECT_THROW(parse_nft_counter_listing(R"({"nftables": []})"), std::invalid_argument);
    EXPECT_THROW(parse_nft_counter_listing("not json"), std::invalid_argument);
    EXPECT_THROW(parse_nft_set_listing(R"({"nftables": [{"set": {"elem": [7]}}]})"), std::invalid_argument);
}

TEST(RandomLoss, ASilenceIsSuspectWhenItsAddressesOrAnUnattributedFrameWereLost) {
    LostFrames lost;
    lost.senders = {IpAddress::parse("10.0.0.1")};
    EXPECT_TRUE(lost.touches(IpAddress::parse("10.0.0.1")));
    EXPECT_FALSE(lost.touches(IpAddress::parse("10.0.0.2")));
    lost.unattributed = 1;
    EXPECT_TRUE(lost.touches(IpAddress::parse("10.0.0.2"))) << "a frame that cannot be told apart may have been anyone's";
}

}  // namespace
}  // namespace mvc
