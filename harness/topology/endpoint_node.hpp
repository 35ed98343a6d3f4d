// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "addresses.hpp"
#include "net_namespace.hpp"
#include "probe_defaults.hpp"
#include "rtnl.hpp"
#include "topology_spec.hpp"

namespace mvc {

class GuestRelay;

// What every endpoint on this machine gets before its links go up.
struct EndpointTuning {
    std::vector<Family> families{Family::ipv4, Family::ipv6};
    unsigned neighbour_retransmit_ms = defaults::kNeighbourRetransmitMs;
    // Deliberate breakage (--inject-fault arp-ignore): arp_ignore=8, so no ARP request is answered.
    bool break_arp = false;
};

// Deterministic, locally administered MACs, recognisable in a capture: 02:6d:76 ("mv"), then the
// station (1 host, 2 ext, 3 and up the slaves in order, two bytes), then which of its interfaces.
inline constexpr unsigned kHostStation = 1, kExtStation = 2, kFirstSlaveStation = 3;
MacAddress planned_mac(unsigned station, uint8_t interface_index = 0);

// An address and the length of the on-link prefix it is added with.
using AddressWithPrefix = std::pair<IpAddress, int>;

// An endpoint on this machine: a namespace, a netlink socket inside it, and the interface that
// carries the endpoint's addresses.
struct EndpointNode {
    EndpointNode(Endpoint endpoint, NetNamespace ns);
    // A borrowed (lent) interface gets back exactly the addresses it had: the ones added go again.
    ~EndpointNode();
    EndpointNode(const EndpointNode&) = delete;
    EndpointNode& operator=(const EndpointNode&) = delete;

    Endpoint endpoint;
    NetNamespace ns;
    std::unique_ptr<Rtnl> rtnl;
    int ifindex = 0;  // the interface that carries this endpoint's addresses
    std::string ifname;
    MacAddress mac;
    std::vector<int> links;  // every link in this namespace that must be up
    // An interface the user lent: it keeps its own IPv6 and neighbour settings, and only addresses
    // are added to it, which the destructor removes again.
    bool borrowed = false;
    // A macvtap slave: the relay between its queue and the guest's TAP (the interface above).
    // Declared after them, so it stops before the netlink socket and the namespace go.
    std::unique_ptr<GuestRelay> guest;

    // Adds the addresses, applies the tuning (to what is ours to tune) and sets every link up.
    void configure(const std::vector<AddressWithPrefix>& addresses, const EndpointTuning& tuning);
    // Points the node at one of its links (the one that carries its addresses).
    void use_interface(int link_ifindex);
    // The IPv6 addresses configure() added that the kernel does not take packets for yet. An
    // address is listed at once, but only addrconf's DAD work, even for IFA_F_NODAD, joins its
    // solicited-node group and inserts its local route (addrconf_dad_begin ->
    // addrconf_dad_completed); that work waits on a workqueue and the RTNL lock, and under a
    // slow kernel with many topologies being built it lags by seconds.
    std::vector<IpAddress> ipv6_not_yet_local();
    size_t ipv6_address_count() const { return ipv6_added_.size(); }
    // Of those, the ones the interface no longer lists at all: somebody removed them (a restore
    // of the lent interfaces on a termination signal, another program). No wait brings them back.
    std::vector<IpAddress> ipv6_removed();

private:
    std::vector<AddressWithPrefix> added_;  // on a borrowed interface
    std::vector<IpAddress> ipv6_added_;      // by configure(), on any interface
};

}  // namespace mvc
