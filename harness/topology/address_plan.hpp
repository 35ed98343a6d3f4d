#pragma once

#include <vector>

#include "addresses.hpp"
#include "machine_routes.hpp"
#include "topology_spec.hpp"

namespace mvc {

// Which addresses each endpoint carries inside a topology's private namespaces.
//
// Every cell (from, to, family) gets its own source address on `from` and its own destination
// address on `to`. Neighbour entries are keyed by IP address, so what one cell's ARP/ND teaches an
// endpoint can never resolve an address another cell uses: all cells start from cold caches and
// can run at the same time. Controls use a separate address per endpoint for the same reason.
class AddressPlan {
public:
    // Inside the harness's own namespaces any range will do: 192.0.2.0/24 and 2001:db8:2::/64.
    // A topology that reaches into the machine's namespace (a user's parent) passes ranges that
    // overlap none of the machine's routes.
    AddressPlan();
    AddressPlan(const IpAddress& ipv4_network, const IpAddress& ipv6_network);

    struct Pair {
        IpAddress source;
        IpAddress destination;
    };

    static int prefix_length(Family family);  // the whole topology is one on-link subnet

    Pair cell(Endpoint from, Endpoint to, Family family) const;
    IpAddress control(Endpoint endpoint, Family family) const;
    // A second control address per endpoint: the pacers probe the control paths again from cold
    // caches, at the same time as the cells (see EchoProbe::pacer).
    IpAddress pacer(Endpoint endpoint, Family family) const;
    // A control destination no endpoint owns, for transmit controls on a wire-less parent.
    IpAddress unowned(Family family) const;
    std::vector<IpAddress> addresses_of(Endpoint endpoint, const std::vector<Endpoint>& endpoints,
                                        Family family) const;

    bool contains(const IpAddress& address) const;  // in this plan's /24 or /64
    const IpAddress& network(Family family) const { return family == Family::ipv4 ? v4_network_ : v6_network_; }
    IpPrefix range(Family family) const { return {network(family), prefix_length(family)}; }  // the /24 or /64

private:
    IpAddress host_number(Family family, unsigned n) const;
    IpAddress v4_network_;
    IpAddress v6_network_;
};

}  // namespace mvc
