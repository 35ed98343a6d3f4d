// SPDX-License-Identifier: MIT
#include "echo_reply.hpp"

#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>

#include <cstring>

namespace mvc {

std::optional<EchoReplyFields> parse_echo_reply(Family family, const uint8_t* datagram, size_t length) {
    size_t offset = 0;
    if (family == Family::ipv4) {
        if (length < sizeof(iphdr)) return std::nullopt;
        offset = static_cast<size_t>(datagram[0] & 0x0f) * 4;  // IHL, in 32-bit words
        if (offset < sizeof(iphdr)) return std::nullopt;        // no IPv4 header is shorter
    }
    constexpr size_t kIcmpHeader = 8;  // type, code, checksum, identifier, sequence
    if (length < offset + kIcmpHeader + sizeof(EchoToken)) return std::nullopt;
    const uint8_t* icmp = datagram + offset;
    if (icmp[0] != (family == Family::ipv4 ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY) || icmp[1] != 0) return std::nullopt;
    EchoReplyFields reply;
    uint16_t identifier;
    std::memcpy(&identifier, icmp + 4, sizeof identifier);
    reply.identifier = ntohs(identifier);
    std::memcpy(&reply.token, icmp + kIcmpHeader, sizeof reply.token);
    return reply;
}

}  // namespace mvc
