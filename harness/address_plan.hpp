#pragma once

#include <vector>

#include "addresses.hpp"
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
    struct Pair {
        IpAddress source;
        IpAddress destination;
    };

    static int prefix_length(Family family);  // the whole topology is one on-link subnet

    Pair cell(Endpoint from, Endpoint to, Family family) const;
    IpAddress control(Endpoint endpoint, Family family) const;
    // A control destination no endpoint owns, for transmit controls on a wire-less parent.
    IpAddress unowned(Family family) const;
    std::vector<IpAddress> addresses_of(Endpoint endpoint, const std::vector<Endpoint>& endpoints,
                                        Family family) const;

private:
    static IpAddress host_number(Family family, unsigned n);
};

}  // namespace mvc
