// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addresses.hpp"

namespace mvc {

class Rtnl;

// An IPv4 or IPv6 prefix: a network address and a prefix length.
struct IpPrefix {
    IpAddress network;
    int length = 0;

    static IpPrefix parse(std::string_view text);  // "198.51.100.0/24"; host bits must be zero
    Family family() const { return network.family(); }
    bool contains(const IpAddress& address) const;
    bool overlaps(const IpPrefix& other) const;  // one contains the other
    // The address `offset` places after the network address (offset must fit in the host bits).
    IpAddress at(unsigned long long offset) const;
    std::string str() const;
    bool operator==(const IpPrefix&) const = default;
};

// One route as the kernel reports it (RTM_GETROUTE dump).
struct RouteEntry {
    IpPrefix destination;
    uint32_t table = 0;
    int ifindex = 0;  // of the first next hop, 0 when there is none
    std::optional<IpAddress> gateway;  // of the first next hop, when it has one
    uint8_t type = 0;  // RTN_*
};

// Every IPv4 and IPv6 route of every table in the Rtnl's namespace, local and broadcast ones
// included: what an address plan must not collide with.
std::vector<RouteEntry> dump_routes(Rtnl& rtnl);

// The first candidate that overlaps none of `taken`. Prefixes of length 0 (default routes) in
// `taken` are ignored: they overlap everything and take nothing away.
std::optional<IpPrefix> first_free(const std::vector<IpPrefix>& candidates, const std::vector<IpPrefix>& taken);

// A route "destination dev ifindex scope link" in the main table, deleted again by the destructor.
// It goes with its device too; the destructor then finds nothing to delete and says nothing.
class DeviceRoute {
public:
    DeviceRoute(Rtnl& rtnl, const IpPrefix& destination, int ifindex);
    ~DeviceRoute();
    DeviceRoute(const DeviceRoute&) = delete;
    DeviceRoute& operator=(const DeviceRoute&) = delete;

    // Deletes the route now. Returns "" or what went wrong; a route already gone is no problem.
    std::string remove();
    const IpPrefix& destination() const { return destination_; }

private:
    Rtnl& rtnl_;
    IpPrefix destination_;
    int ifindex_;
    bool present_ = true;
};

}  // namespace mvc
