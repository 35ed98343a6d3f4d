#include "topology.hpp"

#include <linux/if.h>
#include <linux/ip.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <algorithm>

#include "error.hpp"
#include "link_events.hpp"
#include "remote_peer.hpp"

namespace mvc {

namespace {

// Deterministic, locally administered MACs: group = endpoint, index = which interface.
MacAddress planned_mac(Endpoint e, uint8_t index = 0) {
    return MacAddress::local(static_cast<uint8_t>(static_cast<unsigned>(e) + 1), index);
}

constexpr const char* kParentName = "parent";
constexpr const char* kPeerName = "peer";
constexpr const char* kBridgeName = "br0";
constexpr const char* kSlaveName = "eth0";
constexpr const char* kTrunkName = "trunk";
constexpr uint16_t kVlanId = 10;

bool link_ready(const LinkInfo& l) {
    return l.up() && l.carrier && (l.operstate == IF_OPER_UP || l.operstate == IF_OPER_UNKNOWN);
}

std::string describe(const LinkInfo& l) {
    static const char* names[] = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"};
    const char* oper = l.operstate < std::size(names) ? names[l.operstate] : "?";
    return l.name + " (admin " + (l.up() ? "up" : "down") + ", carrier " + (l.carrier ? "on" : "off") +
           ", operstate " + oper + ")";
}

}  // namespace

Topology::Node& Topology::node(Endpoint endpoint) {
    auto it = nodes_.find(endpoint);
    if (it == nodes_.end()) throw std::logic_error("topology " + spec_.id() + " has no " + std::string(to_string(endpoint)));
    return it->second;
}

const Topology::Node& Topology::node(Endpoint endpoint) const { return const_cast<Topology*>(this)->node(endpoint); }

std::vector<Endpoint> Topology::local_endpoints() const {
    std::vector<Endpoint> out;
    for (auto e : spec_.endpoints())
        if (is_local(e)) out.push_back(e);
    return out;
}

MacAddress Topology::mac_of(Endpoint endpoint) const {
    if (endpoint == Endpoint::ext && lent_remote_) return lent_->remote_mac;
    return node(endpoint).mac;
}

void Topology::add_node(Endpoint endpoint) {
    Node n{endpoint, NetNamespace::create(), nullptr, 0, {}, {}, {}};
    n.rtnl = std::make_unique<Rtnl>(n.ns);
    nodes_.emplace(endpoint, std::move(n));
}

std::unique_ptr<Topology> Topology::build(const TopologySpec& spec, const TopologyOptions& options) {
    std::unique_ptr<Topology> t(new Topology(spec));
    if (options.wire) {
        t->use_lent_wire(*options.wire);
    } else {
        for (auto e : spec.endpoints()) t->add_node(e);
        t->build_wire();
    }
    t->build_slaves();
    for (auto& [endpoint, node] : t->nodes_) t->configure(node, options);
    if (t->lent_remote_) t->configure_remote_ext(options);
    if (spec.variant.static_neighbours) t->add_static_neighbours(options);
    return t;
}

void Topology::build_wire() {
    Node& host = node(Endpoint::host);
    if (spec_.variant.parent == ParentKind::dummy) {
        parent_ifindex_ = host.rtnl->create_dummy(kParentName, planned_mac(Endpoint::host));
    } else if (spec_.variant.parent == ParentKind::vlan) {
        // The veth is the trunk; VLAN 10 on each end carries everything the endpoints say.
        Node& ext = node(Endpoint::ext);
        const int trunk = host.rtnl->create_veth(kTrunkName, planned_mac(Endpoint::host, 9), kTrunkName,
                                                 planned_mac(Endpoint::ext, 9), ext.ns);
        const int ext_trunk = ext.rtnl->link(kTrunkName).ifindex;
        parent_ifindex_ = host.rtnl->create_vlan(kParentName, trunk, kVlanId, planned_mac(Endpoint::host));
        const int peer = ext.rtnl->create_vlan(kPeerName, ext_trunk, kVlanId, planned_mac(Endpoint::ext));
        host.links.push_back(trunk);
        ext.links.push_back(ext_trunk);
        ext.links.push_back(peer);
        if (spec_.variant.external == ExternalKind::hairpin_bridge)
            throw std::logic_error("the vlan parent supports only a plain peer");
        ext.ifindex = peer;
        ext.ifname = kPeerName;
        ext.mac = ext.rtnl->link(peer).mac;
    } else {
        Node& ext = node(Endpoint::ext);
        parent_ifindex_ = host.rtnl->create_veth(kParentName, planned_mac(Endpoint::host), kPeerName,
                                                 planned_mac(Endpoint::ext), ext.ns);
        const int peer = ext.rtnl->link(kPeerName).ifindex;
        ext.links.push_back(peer);
        if (spec_.variant.external == ExternalKind::hairpin_bridge) {
            // A Linux bridge with hairpin on its only port sends frames back out of the port they
            // came in on: the software stand-in for an 802.1Qbg reflective-relay switch.
            const int bridge = ext.rtnl->create_bridge(kBridgeName, planned_mac(Endpoint::ext, 1));
            ext.rtnl->disable_bridge_multicast_snooping(bridge);
            ext.rtnl->set_master(peer, bridge);
            ext.rtnl->set_bridge_port_hairpin(peer, true);
            ext.links.push_back(bridge);
            ext.ifindex = bridge;
            ext.ifname = kBridgeName;
        } else {
            ext.ifindex = peer;
            ext.ifname = kPeerName;
        }
        ext.mac = ext.rtnl->link(ext.ifindex).mac;
    }
    host.ifindex = parent_ifindex_;
    host.ifname = kParentName;
    host.links.push_back(parent_ifindex_);
}

void Topology::use_lent_wire(const LentWire& wire) {
    if (spec_.variant.parent == ParentKind::dummy || spec_.variant.parent == ParentKind::vlan)
        throw std::logic_error("a lent wire stands in for a veth parent, not for " + std::string(to_string(spec_.variant.parent)));
    lent_ = &wire;
    lent_remote_ = wire.remote;
    addresses_ = wire.addresses;
    {
        Node n{Endpoint::host, wire.host->clone(), nullptr, 0, {}, {}, {}};
        n.rtnl = std::make_unique<Rtnl>(n.ns);
        nodes_.emplace(Endpoint::host, std::move(n));
    }
    if (!wire.remote) {
        Node n{Endpoint::ext, wire.ext->clone(), nullptr, 0, {}, {}, {}};
        n.rtnl = std::make_unique<Rtnl>(n.ns);
        nodes_.emplace(Endpoint::ext, std::move(n));
    }
    for (auto s : spec_.slaves) add_node(s);
    Node& host = node(Endpoint::host);
    parent_ifindex_ = wire.parent;
    host.ifindex = wire.parent;
    host.ifname = host.rtnl->link(wire.parent).name;
    host.links.push_back(wire.parent);
    host.mac = host.rtnl->link(wire.parent).mac;
    // Every cell starts from cold caches, also on a wire the previous topology used: a local peer
    // is ours to flush; on the parent and a remote peer only entries for this run's ranges go.
    if (wire.remote) {
        wire.remote->flush_neighbours({wire.addresses.range(Family::ipv4), wire.addresses.range(Family::ipv6)});
    } else {
        // With --peer-hairpin the user's switch reflects frames: nothing to build on our side.
        Node& ext = node(Endpoint::ext);
        ext.ifindex = wire.peer;
        ext.ifname = ext.rtnl->link(wire.peer).name;
        ext.links.push_back(wire.peer);
        ext.mac = ext.rtnl->link(wire.peer).mac;
        ext.rtnl->flush_neighbours();
    }
    host.rtnl->flush_neighbours([&](const IpAddress& a, int ifindex) {
        return ifindex == wire.parent && (wire.addresses.contains(a));
    });
}

void Topology::configure_remote_ext(const TopologyOptions& options) {
    std::vector<std::pair<IpAddress, int>> addresses;
    for (auto family : options.families)
        for (const auto& a : addresses_.addresses_of(Endpoint::ext, spec_.endpoints(), family))
            addresses.emplace_back(a, AddressPlan::prefix_length(family));
    added_to_remote_ = addresses;  // before adding: a batch that fails half-way still gets cleaned up
    lent_remote_->add_addresses(addresses);
}

Topology::~Topology() {
    if (!lent_) return;  // everything else lives in namespaces that close with the nodes
    // The kernel dismantles a closed namespace asynchronously; on a lent parent the next topology
    // would meet these slaves' MACs (EADDRINUSE, macvlan_open). Delete them now, synchronously.
    for (auto s : spec_.slaves) {
        try {
            Node& n = node(s);
            n.rtnl->delete_link(n.ifindex);
        } catch (const std::exception&) {
        }
    }
    if (lent_remote_ && !added_to_remote_.empty()) {
        try {
            lent_remote_->delete_addresses(added_to_remote_);
        } catch (const std::exception&) {
            // A partly applied batch leaves some addresses unadded; the journal's restore removes
            // whatever of the run's ranges is still there.
        }
    }
    for (const auto& a : added_to_lent_) {
        try {
            Node& n = node(a.endpoint);
            n.rtnl->delete_address(n.ifindex, a.address, AddressPlan::prefix_length(a.address.family()));
        } catch (const std::exception&) {
            // The journal's restore removes whatever could not be removed here.
        }
    }
}

void Topology::build_slaves() {
    Node& host = node(Endpoint::host);
    for (auto s : spec_.slaves) {
        Node& slave = node(s);
        MacvlanSpec m;
        m.name = kSlaveName;
        m.lower_ifindex = parent_ifindex_;
        m.mode = spec_.mode;
        if (spec_.mode != MacvlanMode::passthru) m.mac = planned_mac(s);  // passthru inherits the parent's
        m.target = &slave.ns;
        for (auto allowed : spec_.source_allow) m.source_macs.push_back(mac_of(allowed));
        create_macvlan(*host.rtnl, m);
        const LinkInfo info = slave.rtnl->link(kSlaveName);
        slave.ifindex = info.ifindex;
        slave.ifname = kSlaveName;
        slave.mac = info.mac;
        slave.links.push_back(info.ifindex);
    }
    host.mac = host.rtnl->link(parent_ifindex_).mac;
}

void Topology::configure(Node& n, const TopologyOptions& options) {
    const auto endpoints = spec_.endpoints();
    const bool ipv6 = std::find(options.families.begin(), options.families.end(), Family::ipv6) != options.families.end();
    // A lent interface keeps its own IPv6 and neighbour settings: only addresses are added to it.
    const bool lent = lent_ && (n.endpoint == Endpoint::host || n.endpoint == Endpoint::ext);
    for (int l : n.links)
        if (ipv6 && !lent) n.rtnl->disable_ipv6_link_local(l);
    if (options.break_arp) n.rtnl->set_ipv4_conf(n.ifindex, IPV4_DEVCONF_ARP_IGNORE, 8);
    for (auto family : options.families) {
        if (!lent) n.rtnl->set_neighbour_retransmit(n.ifindex, family, options.neighbour_retransmit_ms);
        for (const auto& a : addresses_.addresses_of(n.endpoint, endpoints, family)) {
            n.rtnl->add_address(n.ifindex, a, AddressPlan::prefix_length(family));
            if (lent) added_to_lent_.push_back({n.endpoint, a});
        }
    }
    for (int l : n.links) n.rtnl->set_up(l);
}

void Topology::add_static_neighbours(const TopologyOptions& options) {
    // The field note's "unless the MAC address is known by hand": each slave knows every address
    // of the other slave, so no ARP/ND broadcast is ever needed between them.
    for (auto a : spec_.slaves)
        for (auto b : spec_.slaves) {
            if (a == b) continue;
            Node& from = node(a);
            const Node& to = node(b);
            for (auto family : options.families)
                for (const auto& ip : addresses_.addresses_of(b, spec_.endpoints(), family))
                    from.rtnl->add_permanent_neighbour(from.ifindex, ip, to.mac);
        }
}

void Topology::wait_until_links_ready(std::chrono::steady_clock::time_point deadline) {
    std::vector<const NetNamespace*> namespaces;
    for (auto& [e, n] : nodes_) namespaces.push_back(&n.ns);
    LinkEvents events(namespaces);
    std::string waiting_for;
    const bool ready = events.wait_until(
        [&] {
            waiting_for.clear();
            for (auto& [e, n] : nodes_)
                for (int l : n.links) {
                    const LinkInfo info = n.rtnl->link(l);
                    if (!link_ready(info))
                        waiting_for += (waiting_for.empty() ? "" : ", ") + std::string(to_string(e)) + ":" + describe(info);
                }
            return waiting_for.empty();
        },
        deadline);
    if (!ready) throw NotReady("links never became ready: " + waiting_for);
}

}  // namespace mvc
