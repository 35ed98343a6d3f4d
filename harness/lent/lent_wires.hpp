// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "external_peer.hpp"
#include "remote_peer.hpp"

namespace mvc {

// Wires the user lent (--parent with --peer or --remote-if): the parent stays in the machine's
// namespace and is borrowed, never reconfigured; topologies on it only add addresses and slaves and
// take them away again. What the run changed beyond that, the journal restores.
class LentWires : public WireSource {
public:
    LentWires(const NetNamespace& machine, int parent, std::string parent_name, AddressPlan::Ranges addresses)
        : machine_(machine), parent_(parent), parent_name_(std::move(parent_name)), addresses_(std::move(addresses)) {}

    // The ranges chosen for the run, free on this machine (and the remote): a topology that does not
    // fit them is refused, with the reason.
    AddressPlan::Ranges address_ranges(const TopologySpec& topology) const override;
    const AddressPlan::Ranges& ranges() const { return addresses_; }
    unsigned max_parallel_topologies() const override { return 1; }
    bool borrowed() const override { return true; }
    std::string parent_description(const VariantSpec&) const override { return "lent interface " + parent_name_; }

protected:
    // The borrowed parent, with the neighbour entries of the run's ranges forgotten. A lent wire
    // stands in for a veth parent only.
    Wire attach_parent(const VariantSpec& variant) const;

private:
    const NetNamespace& machine_;
    int parent_;
    std::string parent_name_;
    AddressPlan::Ranges addresses_;
};

// ext is the lent peer, moved into a namespace the run holds.
class LentLocalWires : public LentWires {
public:
    LentLocalWires(const NetNamespace& machine, int parent, std::string parent_name, AddressPlan::Ranges addresses,
                   const NetNamespace& ext, int peer)
        : LentWires(machine, parent, std::move(parent_name), std::move(addresses)), ext_(ext), peer_(peer) {}
    Wire attach(const VariantSpec& variant) const override;

private:
    const NetNamespace& ext_;
    int peer_;
};

// ext is a port of another machine, configured and probed over ssh (RemotePeer).
class RemoteWires : public LentWires {
public:
    RemoteWires(const NetNamespace& machine, int parent, std::string parent_name, AddressPlan::Ranges addresses,
                const RemotePeer& remote, MacAddress remote_mac)
        : LentWires(machine, parent, std::move(parent_name), std::move(addresses)), remote_(remote), remote_mac_(remote_mac) {}
    Wire attach(const VariantSpec& variant) const override;

private:
    const RemotePeer& remote_;
    MacAddress remote_mac_;  // read once, when the wire was lent: it travels on the wire anyway
};

}  // namespace mvc
