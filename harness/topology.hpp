#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "address_plan.hpp"
#include "net_namespace.hpp"
#include "rtnl.hpp"
#include "topology_spec.hpp"

namespace mvc {

class RemotePeer;

// A wire the user lent (--parent with --peer or --remote-if): the parent in the machine's
// namespace; its other end either a local peer already moved into a namespace the run holds, or a
// NIC on another machine. A topology built on it only adds addresses and slaves, and takes its
// addresses away again; the journal (interface_journal.hpp) restores the rest.
struct LentWire {
    const NetNamespace* host = nullptr;  // the parent's namespace: the machine's own
    int parent = 0;
    const NetNamespace* ext = nullptr;  // --peer: ext is local
    int peer = 0;
    const RemotePeer* remote = nullptr;  // --remote-if: ext is on another machine, ext and peer unset
    MacAddress remote_mac;               // the remote port's, read once when the wire was lent
    AddressPlan addresses;  // ranges that overlap none of the machine's (nor the remote's) routes
};

struct TopologyOptions {
    std::vector<Family> families{Family::ipv4, Family::ipv6};
    unsigned neighbour_retransmit_ms = 100;
    // Deliberate breakage, to prove the suite notices a broken network (see --inject-fault):
    // arp_ignore=8 on every interface, so no ARP request is ever answered.
    bool break_arp = false;
    const LentWire* wire = nullptr;  // build on this instead of a fresh veth pair
};

// A topology could not be confirmed ready: the message says which link or control failed.
class NotReady : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One built topology: a namespace per endpoint, the parent in `host`, its wire to `ext`, the
// slaves in their own namespaces. It owns nothing but namespace descriptors, so destroying it (or
// the process dying) makes the kernel delete every link it created.
class Topology {
public:
    struct Node {
        Endpoint endpoint;
        NetNamespace ns;
        std::unique_ptr<Rtnl> rtnl;
        int ifindex = 0;  // the interface that carries this endpoint's addresses
        std::string ifname;
        MacAddress mac;
        std::vector<int> links;  // every link in this namespace that must be up
    };

    static std::unique_ptr<Topology> build(const TopologySpec& spec, const TopologyOptions& options);
    ~Topology();

    const TopologySpec& spec() const { return spec_; }
    // ext on another machine (--remote-if): it has no Node; its probes go through this.
    const RemotePeer* remote_ext() const { return lent_ ? lent_remote_ : nullptr; }
    bool is_local(Endpoint endpoint) const { return nodes_.count(endpoint) > 0; }
    std::vector<Endpoint> local_endpoints() const;
    MacAddress mac_of(Endpoint endpoint) const;
    const AddressPlan& addresses() const { return addresses_; }
    Node& node(Endpoint endpoint);
    const Node& node(Endpoint endpoint) const;
    int parent_ifindex() const { return parent_ifindex_; }

    // Blocks until every link is administratively up, has carrier and an operational state of UP
    // (or UNKNOWN, for drivers that do not report one), watching RTNLGRP_LINK instead of sleeping.
    void wait_until_links_ready(std::chrono::steady_clock::time_point deadline);

private:
    explicit Topology(const TopologySpec& spec) : spec_(spec) {}
    void add_node(Endpoint endpoint);
    void build_wire();
    void use_lent_wire(const LentWire& wire);
    void build_slaves();
    void configure(Node& node, const TopologyOptions& options);
    void add_static_neighbours(const TopologyOptions& options);

    TopologySpec spec_;
    AddressPlan addresses_;
    std::map<Endpoint, Node> nodes_;
    int parent_ifindex_ = 0;
    const LentWire* lent_ = nullptr;
    const RemotePeer* lent_remote_ = nullptr;
    std::vector<std::pair<IpAddress, int>> added_to_remote_;  // removed again by the destructor
    void configure_remote_ext(const TopologyOptions& options);
    struct AddedAddress {
        Endpoint endpoint;
        IpAddress address;
    };
    std::vector<AddedAddress> added_to_lent_;  // removed again by the destructor
};

}  // namespace mvc
