// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "addresses.hpp"

namespace mvc {

// What every echo request of the probes carries after the ICMP header: this run's nonce, the
// probe's index and the request's sequence number, so a reply is only ever credited to the probe
// that caused it, even when several probes share a source address.
struct EchoToken {
    uint64_t nonce;
    uint32_t probe;
    uint32_t sequence;
};

struct EchoReplyFields {
    uint16_t identifier = 0;  // host order
    EchoToken token{};
};

// A datagram read from a raw ICMP socket (IPv4: the IP header first, as raw IPv4 sockets deliver
// it) or a raw ICMPv6 socket (no IP header), read as an echo reply carrying a token; nothing for
// anything else. Whatever arrives is read within `length`.
std::optional<EchoReplyFields> parse_echo_reply(Family family, const uint8_t* datagram, size_t length);

}  // namespace mvc
