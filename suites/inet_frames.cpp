// SPDX-License-Identifier: MIT
#include "inet_frames.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace mvc {

namespace {

// RFC 1071: the one's-complement sum of 16-bit big-endian words, unfolded.
uint32_t add_words(uint32_t sum, const uint8_t* data, size_t length) {
    for (size_t i = 0; i + 1 < length; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
    if (length % 2) sum += static_cast<uint32_t>(data[length - 1] << 8);
    return sum;
}

uint16_t fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

void put16(uint8_t* at, uint16_t v) {
    at[0] = static_cast<uint8_t>(v >> 8);
    at[1] = static_cast<uint8_t>(v);
}

void put32(uint8_t* at, uint32_t v) {
    put16(at, static_cast<uint16_t>(v >> 16));
    put16(at + 2, static_cast<uint16_t>(v));
}

uint16_t get16(const uint8_t* at) { return static_cast<uint16_t>(at[0] << 8 | at[1]); }

uint32_t pseudo_sum(const Ipv4Flow& flow, uint8_t protocol, uint16_t length) {
    uint32_t sum = add_words(0, flow.source.data(), 4);
    sum = add_words(sum, flow.destination.data(), 4);
    return sum + protocol + length;
}

// Ethernet and IPv4 headers for a transport segment of `segment_length` bytes; the IPv4 header
// checksum is complete (no device offloads that one).
Frame ipv4_frame(const Ipv4Flow& flow, uint8_t protocol, size_t segment_length) {
    Frame f(kEthernetHeaderSize + kIpv4HeaderSize, 0);
    std::copy(flow.destination_mac.bytes().begin(), flow.destination_mac.bytes().end(), f.begin());
    std::copy(flow.source_mac.bytes().begin(), flow.source_mac.bytes().end(), f.begin() + 6);
    put16(&f[12], 0x0800);
    uint8_t* ip = &f[kEthernetHeaderSize];
    ip[0] = 0x45;
    put16(ip + 2, static_cast<uint16_t>(kIpv4HeaderSize + segment_length));
    put16(ip + 4, 0x1234);  // identification
    put16(ip + 6, 0x4000);  // DF
    ip[8] = 64;
    ip[9] = protocol;
    std::memcpy(ip + 12, flow.source.data(), 4);
    std::memcpy(ip + 16, flow.destination.data(), 4);
    put16(ip + 10, static_cast<uint16_t>(~fold(add_words(0, ip, kIpv4HeaderSize))));
    return f;
}

void set_transport_checksum(Frame& f, const Ipv4Flow& flow, uint8_t protocol, size_t offset, Checksum checksum) {
    const auto length = static_cast<uint16_t>(f.size() - kTransportStart);
    uint8_t* segment = &f[kTransportStart];
    put16(segment + offset, 0);
    if (checksum == Checksum::partial) {
        put16(segment + offset, fold(pseudo_sum(flow, protocol, length)));
        return;
    }
    uint16_t sum = static_cast<uint16_t>(~fold(add_words(pseudo_sum(flow, protocol, length), segment, length)));
    if (protocol == IPPROTO_UDP && sum == 0) sum = 0xffff;  // RFC 768: 0 means "no checksum"
    put16(segment + offset, sum);
}

}  // namespace

uint16_t pseudo_header_sum(const Ipv4Flow& flow, uint8_t protocol, uint16_t length) {
    return fold(pseudo_sum(flow, protocol, length));
}

Frame udp_frame(const Ipv4Flow& flow, const std::vector<uint8_t>& payload, Checksum checksum) {
    Frame f = ipv4_frame(flow, IPPROTO_UDP, kUdpHeaderSize + payload.size());
    f.resize(f.size() + kUdpHeaderSize);
    uint8_t* udp = &f[kTransportStart];
    put16(udp, flow.source_port);
    put16(udp + 2, flow.destination_port);
    put16(udp + 4, static_cast<uint16_t>(kUdpHeaderSize + payload.size()));
    f.insert(f.end(), payload.begin(), payload.end());
    set_transport_checksum(f, flow, IPPROTO_UDP, kUdpChecksumOffset, checksum);
    return f;
}

Frame tcp_frame(const Ipv4Flow& flow, uint32_t sequence, uint8_t flags, const std::vector<uint8_t>& payload, Checksum checksum) {
    Frame f = ipv4_frame(flow, IPPROTO_TCP, kTcpHeaderSize + payload.size());
    f.resize(f.size() + kTcpHeaderSize);
    uint8_t* tcp = &f[kTransportStart];
    put16(tcp, flow.source_port);
    put16(tcp + 2, flow.destination_port);
    put32(tcp + 4, sequence);
    put32(tcp + 8, 1);  // acknowledgment number
    tcp[12] = (kTcpHeaderSize / 4) << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65535);  // window
    f.insert(f.end(), payload.begin(), payload.end());
    set_transport_checksum(f, flow, IPPROTO_TCP, kTcpChecksumOffset, checksum);
    return f;
}

std::optional<Ipv4Packet> parse_ipv4(const Frame& f, const Ipv4Flow& flow) {
    if (f.size() < kTransportStart || get16(&f[12]) != 0x0800) return std::nullopt;
    if (!std::equal(flow.source_mac.bytes().begin(), flow.source_mac.bytes().end(), f.begin() + 6)) return std::nullopt;
    const uint8_t* ip = &f[kEthernetHeaderSize];
    if (ip[0] != 0x45 || std::memcmp(ip + 12, flow.source.data(), 4) != 0 || std::memcmp(ip + 16, flow.destination.data(), 4) != 0)
        return std::nullopt;
    Ipv4Packet p;
    p.protocol = ip[9];
    p.total_length = get16(ip + 2);
    if (p.total_length < kIpv4HeaderSize || kEthernetHeaderSize + p.total_length > f.size()) return std::nullopt;
    p.ip_checksum_valid = fold(add_words(0, ip, kIpv4HeaderSize)) == 0xffff;
    const uint8_t* segment = ip + kIpv4HeaderSize;
    const auto length = static_cast<uint16_t>(p.total_length - kIpv4HeaderSize);
    size_t header = 0, checksum_at = 0;
    if (p.protocol == IPPROTO_UDP) header = kUdpHeaderSize, checksum_at = kUdpChecksumOffset;
    else if (p.protocol == IPPROTO_TCP) header = kTcpHeaderSize, checksum_at = kTcpChecksumOffset;
    else return std::nullopt;
    if (length < header || (flow.source_port && get16(segment) != flow.source_port) || get16(segment + 2) != flow.destination_port)
        return std::nullopt;
    p.transport_checksum = get16(segment + checksum_at);
    p.transport_checksum_valid = fold(add_words(pseudo_sum(flow, p.protocol, length), segment, length)) == 0xffff;
    if (p.protocol == IPPROTO_TCP) {
        p.sequence = static_cast<uint32_t>(get16(segment + 4)) << 16 | get16(segment + 6);
        p.tcp_flags = segment[13];
        header = static_cast<size_t>(segment[12] >> 4) * 4;
        if (header < kTcpHeaderSize || header > length) return std::nullopt;
    }
    p.payload.assign(segment + header, segment + length);
    return p;
}

std::vector<uint8_t> with_vnet_header(const VirtioNetHeader& header, const Frame& frame) {
    // Sized once and copied into: GCC 12 at -O3 reports a vector::insert after the header as a
    // memcpy out of bounds (-Warray-bounds, a false positive inside libstdc++'s reallocation).
    std::vector<uint8_t> out(sizeof header + frame.size());
    std::memcpy(out.data(), &header, sizeof header);
    std::copy(frame.begin(), frame.end(), out.begin() + sizeof header);
    return out;
}

std::optional<VnetFrame> split_vnet_header(const std::vector<uint8_t>& bytes) {
    VnetFrame v;
    if (bytes.size() < sizeof v.header) return std::nullopt;
    std::memcpy(&v.header, bytes.data(), sizeof v.header);
    v.frame.assign(bytes.begin() + sizeof v.header, bytes.end());
    return v;
}

Frame complete_checksum(const VnetFrame& received) {
    Frame f = received.frame;
    if (!(received.header.flags & kVnetNeedsCsum)) return f;
    const size_t start = received.header.csum_start, at = start + received.header.csum_offset;
    if (start >= f.size() || at + 2 > f.size()) return f;  // a nonsensical header: the checksum stays invalid
    put16(&f[at], static_cast<uint16_t>(~fold(add_words(0, &f[start], f.size() - start))));
    return f;
}

}  // namespace mvc
