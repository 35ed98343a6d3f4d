// SPDX-License-Identifier: MIT
#pragma once

// IPv4 UDP and TCP frames built and checked byte by byte, for the tests that write into a macvtap
// queue what a guest's stack would hand its virtio-net device, and check what the kernel made of
// it. Independent of the kernel's own checksum code on purpose: it is what is under test.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "addresses.hpp"
#include "packet_socket.hpp"

namespace mvc {

inline constexpr size_t kEthernetHeaderSize = 14, kIpv4HeaderSize = 20, kUdpHeaderSize = 8, kTcpHeaderSize = 20;
inline constexpr uint8_t kTcpPsh = 0x08, kTcpAck = 0x10;

// Who talks to whom; documentation addresses, never routed anywhere. In parse_ipv4, a source port
// of 0 stands for any.
struct Ipv4Flow {
    MacAddress destination_mac, source_mac;
    std::array<uint8_t, 4> source{192, 0, 2, 1}, destination{192, 0, 2, 2};
    uint16_t source_port = 40000, destination_port = 5001;
};

// How the transport checksum field is written: complete, or holding only the folded pseudo-header
// sum, which is what a stack that offloads the checksum leaves there (the device, or
// skb_checksum_help, adds the sum over the segment and stores its complement).
enum class Checksum { complete, partial };

// Where the transport checksum of these frames lies, as a virtio-net header names it.
inline constexpr uint16_t kTransportStart = kEthernetHeaderSize + kIpv4HeaderSize;
inline constexpr uint16_t kUdpChecksumOffset = 6, kTcpChecksumOffset = 16;

Frame udp_frame(const Ipv4Flow& flow, const std::vector<uint8_t>& payload, Checksum checksum);
Frame tcp_frame(const Ipv4Flow& flow, uint32_t sequence, uint8_t flags, const std::vector<uint8_t>& payload, Checksum checksum);

// A frame read back, taken apart; nullopt when it is not an IPv4 UDP/TCP frame of `flow` (a stray
// frame of some stack, which the tests ignore).
struct Ipv4Packet {
    uint8_t protocol = 0;
    uint16_t total_length = 0;  // the IP header's
    bool ip_checksum_valid = false;
    bool transport_checksum_valid = false;  // over the pseudo-header and the whole segment
    uint16_t transport_checksum = 0;        // the field as it arrived
    uint32_t sequence = 0;                  // TCP only
    uint8_t tcp_flags = 0;                  // TCP only
    std::vector<uint8_t> payload;
};
std::optional<Ipv4Packet> parse_ipv4(const Frame& frame, const Ipv4Flow& flow);

// The folded pseudo-header sum a partial checksum field holds for a segment of `length` bytes.
uint16_t pseudo_header_sum(const Ipv4Flow& flow, uint8_t protocol, uint16_t length);

// struct virtio_net_hdr of include/uapi/linux/virtio_net.h (10 bytes, native byte order on a
// little-endian machine: tap_is_little_endian), restated because that header is not valid C++ (a
// member named `class`).
struct VirtioNetHeader {
    uint8_t flags = 0;
    uint8_t gso_type = 0;
    uint16_t hdr_len = 0;
    uint16_t gso_size = 0;
    uint16_t csum_start = 0;
    uint16_t csum_offset = 0;
};
static_assert(sizeof(VirtioNetHeader) == 10);
inline constexpr uint8_t kVnetNeedsCsum = 1;   // VIRTIO_NET_HDR_F_NEEDS_CSUM
inline constexpr uint8_t kVnetGsoNone = 0;     // VIRTIO_NET_HDR_GSO_NONE
inline constexpr uint8_t kVnetGsoTcpv4 = 1;    // VIRTIO_NET_HDR_GSO_TCPV4

// A frame as written to or read from a queue that speaks virtio-net headers.
struct VnetFrame {
    VirtioNetHeader header{};
    Frame frame;
};
std::vector<uint8_t> with_vnet_header(const VirtioNetHeader& header, const Frame& frame);
std::optional<VnetFrame> split_vnet_header(const std::vector<uint8_t>& bytes);

// What a guest does with a frame whose header says NEEDS_CSUM: sums from
// csum_start to the end and stores the complement at csum_start + csum_offset. Without the flag
// the frame is returned as it is.
Frame complete_checksum(const VnetFrame& received);

}  // namespace mvc
