// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <string>
#include <vector>

#include "addresses.hpp"
#include "machine_routes.hpp"
#include "topology_spec.hpp"

namespace mvc {

// Which addresses each endpoint carries inside a topology.
//
// Every cell (from, to, family) gets its own source address on `from` and its own destination
// address on `to`. Neighbour entries are keyed by IP address, so what one cell's ARP/ND teaches an
// endpoint can never resolve an address another cell uses: all cells start from cold caches and
// can run at the same time. Controls and pacers use addresses of their own for the same reason.
//
// IPv6: all of one endpoint's addresses share their low 24 bits, so they share one solicited-node
// group (ff02::1:ffXX:XXXX): a slave with hundreds of addresses joins one multicast group, not
// hundreds (its filter and the parent's multicast list stay small).
class AddressPlan {
public:
    // The ranges a topology takes its addresses from.
    struct Ranges {
        IpPrefix v4;
        IpPrefix v6;
    };
    // Inside the harness's own namespaces any range will do. A topology that fits a /24 uses the
    // documentation range 192.0.2.0/24; a larger one 198.18.0.0/15, the range RFC 2544 sets aside
    // for testing network devices. IPv6: 2001:db8:2::/64.
    static Ranges default_ranges();
    static Ranges large_ranges();
    // How many IPv4 addresses the topology needs (the /24 holds 244 of them).
    static size_t ipv4_needed(const TopologySpec& topology);
    static bool fits(const IpPrefix& range, size_t needed);

    AddressPlan() = default;
    // Throws std::length_error when the ranges cannot hold the topology.
    AddressPlan(const TopologySpec& topology, const Ranges& ranges);

    struct Pair {
        IpAddress source;
        IpAddress destination;
    };

    Pair cell(const Endpoint& from, const Endpoint& to, Family family) const;
    IpAddress control(const Endpoint& endpoint, Family family) const;
    // A second control address per endpoint: the pacers probe the control paths again from cold
    // caches, at the same time as the cells (see EchoProbe::pacer).
    IpAddress pacer(const Endpoint& endpoint, Family family) const;
    // A control destination no endpoint owns, for transmit controls on a wire-less parent.
    IpAddress unowned(Family family) const;
    // Every address the endpoint carries in this family.
    const std::vector<IpAddress>& addresses_of(const Endpoint& endpoint, Family family) const;

    int prefix_length(Family family) const { return range(family).length; }
    bool contains(const IpAddress& address) const;  // in this plan's ranges
    IpPrefix range(Family family) const { return family == Family::ipv4 ? ranges_.v4 : ranges_.v6; }

private:
    IpAddress v4(size_t n) const;
    IpAddress v6(size_t endpoint, size_t serial) const;

    Ranges ranges_ = default_ranges();
    std::map<Endpoint, size_t> index_;
    struct PerEndpoint {
        IpAddress control[2], pacer[2];
        std::vector<IpAddress> all[2];
    };
    std::vector<PerEndpoint> endpoints_;
    std::map<std::tuple<size_t, size_t, int>, Pair> cells_;
    size_t v4_count_ = 0;
};

}  // namespace mvc
