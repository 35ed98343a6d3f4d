// SPDX-License-Identifier: MIT
#include "lent_wires.hpp"

namespace mvc {

namespace {

// The remote port as ext: the run's addresses go on with the remote host's own `ip`, and come off
// again when the topology ends; probes are iputils pings there.
class RemoteExternalPeer : public ExternalPeer {
public:
    RemoteExternalPeer(const RemotePeer& remote, MacAddress mac) : remote_(remote), mac_(mac) {}
    ~RemoteExternalPeer() override {
        if (added_.empty()) return;
        try {
            remote_.delete_addresses(added_);
        } catch (const std::exception&) {
            // A partly applied batch leaves some addresses unadded; the journal's restore removes
            // whatever of the run's ranges is still there.
        }
    }
    MacAddress mac() const override { return mac_; }
    // The remote host keeps its own neighbour and IPv6 settings: only addresses are added.
    void configure(const std::vector<AddressWithPrefix>& addresses, const EndpointTuning&) override {
        for (const auto& a : addresses) added_.push_back(a);
        remote_.add_addresses(added_);  // recorded first: a batch that fails half-way still gets cleaned up
    }
    std::vector<EchoResult> echo(const std::vector<ExternalProbe>& probes, const EchoSchedule& schedule) override {
        std::vector<std::pair<IpAddress, IpAddress>> pings;
        for (const auto& p : probes) pings.emplace_back(p.source, p.destination);
        return remote_.ping(pings, schedule.window);
    }
    EndpointNode* local() override { return nullptr; }
    void forget_neighbours(const IpPrefix& ipv4, const IpPrefix& ipv6) override { remote_.flush_neighbours({ipv4, ipv6}); }
    std::string description() const override {
        return "remote peer " + remote_.ifname() + " on " + remote_.shell().login().destination;
    }

private:
    const RemotePeer& remote_;
    MacAddress mac_;
    std::vector<std::pair<IpAddress, int>> added_;
};

}  // namespace

AddressPlan::Ranges LentWires::address_ranges(const TopologySpec& topology) const {
    if (!AddressPlan::fits(addresses_.v4, AddressPlan::ipv4_needed(topology)))
        throw std::length_error("topology " + topology.id() + " needs " + std::to_string(AddressPlan::ipv4_needed(topology)) +
                                " IPv4 addresses, more than the lent wire's range " + addresses_.v4.str() +
                                " holds; run it on the harness's own wires (without --parent)");
    return addresses_;
}

Wire LentWires::attach_parent(const VariantSpec& variant) const {
    if (variant.parent != ParentKind::veth)
        throw std::logic_error("a lent wire stands in for a veth parent, not for " + std::string(to_string(variant.parent)));
    Wire wire;
    wire.host = std::make_unique<EndpointNode>(kHost, machine_.clone());
    wire.host->borrowed = true;
    wire.host->links.push_back(parent_);
    wire.host->use_interface(parent_);
    // Every cell starts from cold caches, also on a wire the previous topology used; on the
    // machine's own parent only the entries of this run's ranges are ours to forget.
    wire.host->rtnl->flush_neighbours(
        [&](const IpAddress& a, int ifindex) { return ifindex == parent_ && (addresses_.v4.contains(a) || addresses_.v6.contains(a)); });
    return wire;
}

Wire LentLocalWires::attach(const VariantSpec& variant) const {
    Wire wire = attach_parent(variant);
    // With --peer-hairpin the user's switch reflects frames: nothing to build on our side.
    auto ext = std::make_unique<EndpointNode>(kExt, ext_.clone());
    ext->borrowed = true;
    ext->links.push_back(peer_);
    ext->use_interface(peer_);
    ext->rtnl->flush_neighbours();  // the peer's namespace is the run's own
    wire.ext = std::make_unique<LocalPeer>(std::move(ext));
    return wire;
}

Wire RemoteWires::attach(const VariantSpec& variant) const {
    Wire wire = attach_parent(variant);
    remote_.flush_neighbours({ranges().v4, ranges().v6});
    wire.ext = std::make_unique<RemoteExternalPeer>(remote_, remote_mac_);
    return wire;
}

}  // namespace mvc
