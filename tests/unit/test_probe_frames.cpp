// SPDX-License-Identifier: MIT
// What the probes read off the wire (echo replies, the delivery probe's own frames, the addresses
// of ARP/IP frames): within the input, and only values in range. The fuzz target fuzz_frames
// covers every input; these are the cases worth naming.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include "echo_reply.hpp"
#include "packet_socket.hpp"
#include "probe_frame.hpp"

namespace mvc {
namespace {

std::vector<uint8_t> probe_frame(std::vector<uint8_t> fields) {
    std::vector<uint8_t> f(14, 0);
    for (uint8_t c : {'M', 'V', 'C', 'B'}) f.push_back(c);
    f.insert(f.end(), fields.begin(), fields.end());
    return f;
}

TEST(ProbeFrames, WhatIsSentIsReadBack) {
    ProbeFrame test;
    test.type = ProbeFrame::Type::test;
    test.kind = FrameKind::multicast;
    test.sender = 2;
    test.group = 5;
    test.round = 1;
    auto frame = std::vector<uint8_t>(14, 0);
    const auto payload = probe_payload(test);
    frame.insert(frame.end(), payload.begin(), payload.end());
    EXPECT_EQ(decode_probe_frame(frame, 3, 8), test);
}

TEST(ProbeFrames, AFrameKindByteThatNamesNoKindIsNoProbeFrame) {
    // Cast unchecked, 7 would have been a FrameKind the enum cannot hold (UBSan: load of invalid
    // enum value), counted as arrivals of a kind never sent.
    EXPECT_FALSE(decode_probe_frame(probe_frame({2, 7, 0, 0, 0}), 4, 8));
    EXPECT_TRUE(decode_probe_frame(probe_frame({2, 1, 0, 0, 0}), 4, 8));
}

TEST(ProbeFrames, SendersGroupsAndPhasesOutOfRangeAreNoProbeFrames) {
    EXPECT_FALSE(decode_probe_frame(probe_frame({2, 1, 4, 0, 0}), 4, 8)) << "sender 4 of 4";
    EXPECT_FALSE(decode_probe_frame(probe_frame({2, 1, 0, 8, 0}), 4, 8)) << "a group never sent would count as received";
    EXPECT_FALSE(decode_probe_frame(probe_frame({2, 0, 0, 3, 0}), 4, 8)) << "a broadcast carries group 0";
    EXPECT_FALSE(decode_probe_frame(probe_frame({1, 2, 0, 0, 0}), 4, 8)) << "phase 2";
    EXPECT_FALSE(decode_probe_frame(probe_frame({3, 0, 0, 0, 0}), 4, 8));
    EXPECT_FALSE(decode_probe_frame(probe_frame({2, 1, 0, 0}), 4, 8)) << "one field short";
}

TEST(EchoReplies, AnIpv4HeaderLengthBelowTheMinimumIsNoReply) {
    std::vector<uint8_t> d(20 + 8 + sizeof(EchoToken), 0);
    d[0] = 0x45;
    d[20] = 0;  // ICMP_ECHOREPLY
    d[24] = 0x12, d[25] = 0x34;
    const auto reply = parse_echo_reply(Family::ipv4, d.data(), d.size());
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->identifier, 0x1234);
    d[0] = 0x42;  // IHL 2: 8 bytes, less than any IPv4 header
    EXPECT_FALSE(parse_echo_reply(Family::ipv4, d.data(), d.size()));
    d[0] = 0x4f;  // IHL 15: 60 bytes, more than the datagram holds
    EXPECT_FALSE(parse_echo_reply(Family::ipv4, d.data(), d.size()));
}

TEST(FrameAddresses, TruncatedFramesHaveNone) {
    std::vector<uint8_t> arp(14 + 27, 0);
    arp[12] = 0x08, arp[13] = 0x06;
    EXPECT_FALSE(frame_source_address(arp));
    arp.push_back(0);
    EXPECT_TRUE(frame_source_address(arp));
    EXPECT_FALSE(frame_source_address(std::vector<uint8_t>(13, 0)));
}

}  // namespace
}  // namespace mvc
