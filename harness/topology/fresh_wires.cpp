// SPDX-License-Identifier: MIT
#include "external_peer.hpp"
#include "probe_defaults.hpp"
#include "production_parent.hpp"
#include "random_loss.hpp"
#include "wire_relay.hpp"

namespace mvc {

namespace {

constexpr const char* kParentName = "parent";
constexpr const char* kPeerName = "peer";
constexpr const char* kBridgeName = "br0";
constexpr const char* kTrunkName = "trunk";
constexpr uint16_t kVlanId = 10;

}  // namespace

void LocalPeer::configure(const std::vector<AddressWithPrefix>& addresses, const EndpointTuning& tuning) {
    node_->configure(addresses, tuning);
}

std::vector<EchoResult> LocalPeer::echo(const std::vector<ExternalProbe>& probes, const EchoSchedule& schedule) {
    std::vector<EchoProbe> local;
    for (const auto& p : probes) local.push_back({&node_->ns, p.source, p.destination});
    return run_echo_probes(local, schedule);
}

std::string LocalPeer::description() const {
    return (node_->borrowed ? "lent peer " : "") + node_->ifname;
}

const WireSource& fresh_wires() {
    static const FreshWires wires;
    return wires;
}

Wire::Wire() = default;
Wire::Wire(Wire&&) noexcept = default;
Wire& Wire::operator=(Wire&&) noexcept = default;
Wire::~Wire() = default;

int FreshWires::make_cable(EndpointNode& host, const std::string& host_name, EndpointNode& ext, const std::string& ext_name,
                           Wire& wire) const {
    const int parent = make_plain_or_slow_cable(host, host_name, ext, ext_name, wire);
    if (loss_percent_ > 0) {
        // Both directions lose frames: each end drops its share of what it receives.
        wire.loss.push_back(std::make_unique<RandomLoss>(host.ns, std::vector<std::string>{host_name}, loss_percent_));
        wire.loss.push_back(std::make_unique<RandomLoss>(ext.ns, std::vector<std::string>{ext_name}, loss_percent_));
    }
    return parent;
}

int FreshWires::make_plain_or_slow_cable(EndpointNode& host, const std::string& host_name, EndpointNode& ext,
                                         const std::string& ext_name, Wire& wire) const {
    const MacAddress host_mac = planned_mac(kHostStation, host_name == kTrunkName ? 9 : 0);
    const MacAddress ext_mac = planned_mac(kExtStation, ext_name == kTrunkName ? 9 : 0);
    if (cable_delay_.count() == 0) return host.rtnl->create_veth(host_name, host_mac, ext_name, ext_mac, ext.ns);
    NetNamespace relay = NetNamespace::create();
    Rtnl relay_nl(relay);
    const int parent = host.rtnl->create_veth(host_name, host_mac, "a", MacAddress::local(0x7e, 1), relay);
    const int b = relay_nl.create_veth("b", MacAddress::local(0x7e, 2), ext_name, ext_mac, ext.ns);
    const int a = relay_nl.link("a").ifindex;
    for (int l : {a, b}) {
        relay_nl.disable_ipv6_link_local(l);  // the relay's own ends say nothing on the cable
        relay_nl.set_up(l);
    }
    wire.relay = std::make_unique<WireRelay>(std::move(relay), a, b, cable_delay_);
    return parent;
}

AddressPlan::Ranges FreshWires::address_ranges(const TopologySpec& topology) const {
    const auto needed = AddressPlan::ipv4_needed(topology);
    if (AddressPlan::fits(AddressPlan::default_ranges().v4, needed)) return AddressPlan::default_ranges();
    return AddressPlan::large_ranges();
}

unsigned FreshWires::max_parallel_topologies() const { return defaults::kParallelTopologies; }

std::string FreshWires::parent_description(const VariantSpec& variant) const { return variant.parent_label(); }

std::string FreshWires::cannot_attach(const VariantSpec& variant) const {
    if (cable_delay_.count() == 0 || !(variant.aggregate() || variant.parent == ParentKind::bridge)) return "";
    return "--inject-fault delay slows the one cable of a veth or vlan parent; a " + variant.parent_label() +
           " parent is not built with slow cables";
}

Wire FreshWires::attach(const VariantSpec& variant) const {
    Wire wire;
    wire.host = std::make_unique<EndpointNode>(kHost, NetNamespace::create());
    EndpointNode& host = *wire.host;
    if (variant.parent == ParentKind::dummy) {
        host.links.push_back(host.rtnl->create_dummy(kParentName, planned_mac(kHostStation)));
        host.use_interface(host.links.back());
        return wire;
    }
    auto ext = std::make_unique<EndpointNode>(kExt, NetNamespace::create());
    if (variant.aggregate() || variant.parent == ParentKind::bridge) {
        if (const auto why = cannot_attach(variant); !why.empty()) throw std::invalid_argument(why);
        build_production_parent(variant, host, *ext);
        wire.ext = std::make_unique<LocalPeer>(std::move(ext));
        return wire;
    }
    if (variant.parent == ParentKind::vlan) {
        // The veth is the trunk; VLAN 10 on each end carries everything the endpoints say.
        if (variant.external == ExternalKind::hairpin_bridge) throw std::logic_error("the vlan parent supports only a plain peer");
        const int trunk = make_cable(host, kTrunkName, *ext, kTrunkName, wire);
        const int ext_trunk = ext->rtnl->link(kTrunkName).ifindex;
        host.links.push_back(trunk);
        host.links.push_back(host.rtnl->create_vlan(kParentName, trunk, kVlanId, planned_mac(kHostStation)));
        ext->links.push_back(ext_trunk);
        ext->links.push_back(ext->rtnl->create_vlan(kPeerName, ext_trunk, kVlanId, planned_mac(kExtStation)));
        ext->use_interface(ext->links.back());
    } else {
        host.links.push_back(make_cable(host, kParentName, *ext, kPeerName, wire));
        const int peer = ext->rtnl->link(kPeerName).ifindex;
        ext->links.push_back(peer);
        if (variant.external == ExternalKind::hairpin_bridge) {
            // A Linux bridge with hairpin on its only port sends frames back out of the port they
            // came in on: the software stand-in for an 802.1Qbg reflective-relay switch.
            const int bridge = ext->rtnl->create_bridge(kBridgeName, planned_mac(kExtStation, 1));
            ext->rtnl->disable_bridge_multicast_snooping(bridge);
            ext->rtnl->set_master(peer, bridge);
            ext->rtnl->set_bridge_port_hairpin(peer, true);
            ext->links.push_back(bridge);
            ext->use_interface(bridge);
        } else {
            ext->use_interface(peer);
        }
    }
    host.use_interface(host.links.back());
    wire.ext = std::make_unique<LocalPeer>(std::move(ext));
    return wire;
}

}  // namespace mvc
