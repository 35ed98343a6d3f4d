// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>

#include "addresses.hpp"
#include "net_namespace.hpp"

namespace mvc {

// Traffic generated and received inside this process, between two namespaces: sockets are opened
// inside each namespace (NetNamespace::run) and then driven from ordinary threads, so no iperf or
// netperf is needed and nothing outlives the call. The sender is the calling thread, the receiver
// one thread of its own; on a small machine both compete for the cores with the kernel's softirq
// work, as containers on it would.
struct TrafficEnds {
    const NetNamespace* client = nullptr;
    IpAddress client_address;
    const NetNamespace* server = nullptr;
    IpAddress server_address;
};

// The path carried no traffic, or stopped carrying it: the message says which step.
class TrafficError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One TCP connection sending as fast as it can for `duration`: what the receiver got, from the
// first byte sent to the last byte received.
struct BulkResult {
    uint64_t bytes = 0;
    double seconds = 0;
    double gbit_per_second() const { return seconds > 0 ? static_cast<double>(bytes) * 8 / seconds / 1e9 : 0; }
};
BulkResult tcp_bulk(const TrafficEnds& ends, std::chrono::milliseconds duration);

// UDP datagrams of `payload` bytes sent as fast as one socket can for `duration`: packets
// received per second, from the first sent to the last received (what the path delivered; the
// rest was dropped on the way or at the receiver's queue, and `sent` says how many that was).
// 18 bytes of payload make a 64-byte Ethernet frame counting the FCS (RFC 2544's smallest).
inline constexpr std::size_t kMinimumFramePayload = 18;
struct FloodResult {
    uint64_t sent = 0;
    uint64_t received = 0;
    double seconds = 0;
    double packets_per_second() const { return seconds > 0 ? static_cast<double>(received) / seconds : 0; }
};
FloodResult udp_flood(const TrafficEnds& ends, std::chrono::milliseconds duration, std::size_t payload = kMinimumFramePayload);

// One TCP connection (TCP_NODELAY) doing 1-byte request / 1-byte response transactions back to back
// for `duration`, each timed on its own (netperf's TCP_RR).
struct LatencyResult {
    uint64_t transactions = 0;
    double median_us = 0;
    double p99_us = 0;
};
LatencyResult tcp_request_response(const TrafficEnds& ends, std::chrono::milliseconds duration);

}  // namespace mvc
