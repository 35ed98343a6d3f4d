// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "container_engine.hpp"
#include "machine_routes.hpp"
#include "rtnl.hpp"

namespace mvc {

// Where the Docker suite's addresses live. Documentation ranges (RFC 5737; for IPv6, /64s of RFC
// 3849's 2001:db8::/32). 192.0.2.0/24 is left out on purpose: this project's development machine
// has its own uplink there, and these addresses go into the machine's namespace.
namespace engine_plan {
inline constexpr const char* kIpv4Candidates[] = {"198.51.100.0/24", "203.0.113.0/24"};
inline constexpr unsigned kIpv6Candidates = 16;  // 2001:db8:6d76:1::/64 .. :10::/64 (6d76: "mv")

// Inside the IPv4 /24: Docker allocates from the lower half (--ip-range), the test's own endpoints
// take the upper half, and the gateway is an address nobody owns, as on the field note's LAN.
inline constexpr unsigned long long kHostFirst = 129, kHostLast = 169;
inline constexpr unsigned long long kExtFirst = 170, kExtLast = 229;
inline constexpr unsigned long long kShimV4 = 240, kGatewayV4 = 254;
// Inside the IPv6 /64: Docker allocates from <prefix>::/80, the endpoints take <prefix>:1::/80
// (host), <prefix>:2::/80 (ext) and <prefix>:3::1 (the shim); the gateway is <prefix>:ff::1.
inline constexpr unsigned long long kV6Block = 1ULL << 48;
}  // namespace engine_plan

// The prefix of `length` bits that contains `address`.
IpPrefix prefix_of(const IpAddress& address, int length);

// The suite's subnets for one test.
struct EngineSubnets {
    IpPrefix v4;
    std::optional<IpPrefix> v6;  // empty when the run has no IPv6 or no candidate is free
    std::string v6_missing;      // why there is no v6
};

// What the subnets must not overlap: every route of the machine (any table: the shim puts routes
// there) and every subnet of the engine's networks (Docker refuses overlapping pools).
std::vector<IpPrefix> taken_prefixes(Rtnl& machine_nl, const ContainerEngine& engine);

// The first free candidates. Empty, with the reason in *why_not, when no IPv4 candidate is free.
// `ipv6_missing` is why the run has no IPv6 ("" when it has it).
std::optional<EngineSubnets> choose_engine_subnets(const std::vector<IpPrefix>& taken, const std::string& ipv6_missing,
                                                   std::string* why_not);

}  // namespace mvc
