// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "address_plan.hpp"
#include "echo_probe.hpp"
#include "endpoint_node.hpp"
#include "topology_spec.hpp"

namespace mvc {

// A probe that starts at ext.
struct ExternalProbe {
    IpAddress source;
    IpAddress destination;
};

// The other end of the parent's wire ("ext") for one topology. Topologies and probes use only
// this, whether ext is a fresh namespace, a lent local port, or a port of another machine.
class ExternalPeer {
public:
    virtual ~ExternalPeer() = default;  // takes away what it added to a borrowed interface
    virtual MacAddress mac() const = 0;
    // Gives ext its addresses in the topology; the tuning applies where ext is ours to tune.
    virtual void configure(const std::vector<AddressWithPrefix>& addresses, const EndpointTuning& tuning) = 0;
    // Every probe at once; each keeps asking until its first reply or until the window closes.
    virtual std::vector<EchoResult> echo(const std::vector<ExternalProbe>& probes, const EchoSchedule& schedule) = 0;
    // ext as an endpoint on this machine (links to wait for, captures, raw frames, pins), or
    // nullptr when it is on another machine.
    virtual EndpointNode* local() = 0;
    // Forgets the neighbour entries ext learnt in these ranges (one on this machine is forgotten
    // through local() like any endpoint).
    virtual void forget_neighbours(const IpPrefix& ipv4, const IpPrefix& ipv6) = 0;
    virtual std::string description() const = 0;  // for messages and reports
};

// ext in a namespace on this machine: fresh, or the namespace a lent peer was moved into.
class LocalPeer : public ExternalPeer {
public:
    explicit LocalPeer(std::unique_ptr<EndpointNode> node) : node_(std::move(node)) {}
    MacAddress mac() const override { return node_->mac; }
    void configure(const std::vector<AddressWithPrefix>& addresses, const EndpointTuning& tuning) override;
    std::vector<EchoResult> echo(const std::vector<ExternalProbe>& probes, const EchoSchedule& schedule) override;
    EndpointNode* local() override { return node_.get(); }
    void forget_neighbours(const IpPrefix&, const IpPrefix&) override {}  // as an endpoint on this machine
    std::string description() const override;

private:
    std::unique_ptr<EndpointNode> node_;
};

class WireRelay;
class RandomLoss;

// One topology's parent, with the far end of its wire.
struct Wire {
    Wire();
    Wire(Wire&&) noexcept;
    Wire& operator=(Wire&&) noexcept;
    ~Wire();
    std::unique_ptr<EndpointNode> host;  // the parent's namespace; host->ifindex is the parent
    std::unique_ptr<ExternalPeer> ext;   // none on a parent without a wire (dummy)
    std::unique_ptr<WireRelay> relay;    // a slow cable between them, when one was asked for
    // A lossy cable (--inject-fault loss:N): random drops at both ends, which remember whose frames
    // they dropped. Empty on a cable that loses nothing.
    std::vector<std::unique_ptr<RandomLoss>> loss;
};

// Where a run's wires come from, chosen once per run: fresh parents in new namespaces
// (FreshWires), or the interfaces the user lent (lent/: a local peer, or a remote host).
class WireSource {
public:
    virtual ~WireSource() = default;
    // The parent and its far end for one topology of this variant. Every cell starts from cold
    // caches: a wire that outlives its topologies forgets what the previous one learnt.
    virtual Wire attach(const VariantSpec& variant) const = 0;
    // The ranges a topology on these wires takes its addresses from; throws std::length_error, with
    // the reason, when it cannot hold the topology.
    virtual AddressPlan::Ranges address_ranges(const TopologySpec& topology) const = 0;
    // A lent parent hosts one topology at a time: the slaves' MACs and modes would meet.
    virtual unsigned max_parallel_topologies() const = 0;
    virtual bool borrowed() const = 0;
    // "veth" (the variant decides), or "lent interface eth1", for reports.
    virtual std::string parent_description(const VariantSpec& variant) const = 0;
    // Why these wires cannot give this variant a parent (a skip reason), or "" when they can.
    virtual std::string cannot_attach(const VariantSpec& variant) const {
        (void)variant;
        return "";
    }
};

// Fresh wires: a veth pair (or a VLAN on one, or a dummy) in new anonymous namespaces, per topology.
// With a delay, the veth is cut in two and a WireRelay delays every frame that crosses it; with a
// loss, each end of the cable drops that share of the frames it receives.
class FreshWires : public WireSource {
public:
    explicit FreshWires(std::chrono::milliseconds cable_delay = {}, unsigned loss_percent = 0)
        : cable_delay_(cable_delay), loss_percent_(loss_percent) {}
    Wire attach(const VariantSpec& variant) const override;
    AddressPlan::Ranges address_ranges(const TopologySpec& topology) const override;
    unsigned max_parallel_topologies() const override;
    bool borrowed() const override { return false; }
    std::string parent_description(const VariantSpec& variant) const override;
    std::string cannot_attach(const VariantSpec& variant) const override;

private:
    // The cable between host and ext: a veth, or two veths with a relay namespace between them.
    int make_cable(EndpointNode& host, const std::string& host_name, EndpointNode& ext, const std::string& ext_name,
                   Wire& wire) const;
    int make_plain_or_slow_cable(EndpointNode& host, const std::string& host_name, EndpointNode& ext,
                                 const std::string& ext_name, Wire& wire) const;

    std::chrono::milliseconds cable_delay_;
    unsigned loss_percent_;
};

// The run's fresh wires (stateless: one instance serves every topology).
const WireSource& fresh_wires();

}  // namespace mvc
