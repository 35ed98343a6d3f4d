// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "address_plan.hpp"
#include "endpoint_node.hpp"
#include "external_peer.hpp"
#include "random_loss.hpp"
#include "topology_spec.hpp"

namespace mvc {

struct TopologyOptions {
    EndpointTuning tuning;
    const WireSource* wires = nullptr;  // where the parent and ext come from; nullptr: fresh wires
};

// A topology could not be confirmed ready: the message says which link or control failed.
class NotReady : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One built topology: a namespace per endpoint, the parent in `host`, its wire to `ext`, the
// slaves in their own namespaces. On fresh wires it owns nothing but namespace descriptors, so
// destroying it (or the process dying) makes the kernel delete every link it created.
class Topology {
public:
    static std::unique_ptr<Topology> build(const TopologySpec& spec, const TopologyOptions& options);
    ~Topology();

    const TopologySpec& spec() const { return spec_; }
    // The far end of the wire; nullptr on a parent without one.
    ExternalPeer* ext() const { return wire_.ext.get(); }
    bool is_local(Endpoint endpoint) const;
    std::vector<Endpoint> local_endpoints() const;
    MacAddress mac_of(Endpoint endpoint) const;
    const AddressPlan& addresses() const { return addresses_; }
    EndpointNode& node(Endpoint endpoint);  // an endpoint on this machine; throws for any other
    const EndpointNode& node(Endpoint endpoint) const;
    int parent_ifindex() const { return wire_.host->ifindex; }

    // Blocks until every local link is administratively up, has carrier and an operational state of
    // UP (or UNKNOWN, for drivers that do not report one), and every port of an 802.3ad bond
    // collects and distributes, watching RTNLGRP_LINK instead of sleeping. Throws NotReady.
    void wait_until_links_ready(std::chrono::steady_clock::time_point deadline);
    // Blocks until the kernel takes packets for every IPv6 address the endpoints on this machine
    // were given (EndpointNode::ipv6_not_yet_local), watching the IPv6 address and route groups.
    // Throws NotReady naming the addresses still missing once no address of any topology in the
    // process became usable for `stall` (the kernel works through them in one queue).
    void wait_until_addresses_usable(std::chrono::milliseconds stall);
    // Deletes every neighbour entry the topology's endpoints learnt (on a borrowed interface only
    // those in the plan's ranges): back to cold caches, and the entries back to NeighbourBudget.
    void forget_neighbours();
    void forget_neighbours(const std::set<Endpoint>& endpoints);  // only these endpoints' entries
    // On a lossy wire (--inject-fault loss:N): the frames its ends dropped since the last call, and
    // who sent them. nullopt on a wire that loses nothing on purpose.
    std::optional<LostFrames> take_wire_losses();
    uint64_t frames_lost_on_wire() const { return frames_lost_; }  // by the injected loss, so far

private:
    explicit Topology(const TopologySpec& spec) : spec_(spec) {}
    void build_slaves();
    void add_static_neighbours(const std::vector<Family>& families);
    MacAddress planned_or_actual_mac(const Endpoint& endpoint) const;
    std::vector<EndpointNode*> local_nodes();

    TopologySpec spec_;
    AddressPlan addresses_;
    Wire wire_;
    std::map<Endpoint, std::unique_ptr<EndpointNode>> slaves_;
    uint64_t frames_lost_ = 0;
};

}  // namespace mvc
