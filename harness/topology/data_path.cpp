// SPDX-License-Identifier: MIT
#include "data_path.hpp"

#include <linux/if.h>

#include <stdexcept>

#include "link_events.hpp"
#include "topology.hpp"

namespace mvc {

namespace {

struct PathText {
    PathKind kind;
    const char* id;
    const char* title;
    const char* description;
};

const PathText kPaths[] = {
    {PathKind::macvlan_bridge, "macvlan-bridge", "macvlan bridge: container <-> container",
     "two bridge-mode macvlans on one veth parent, c1 -> c2: macvlan_queue_xmit hands the frame to the other slave "
     "without it leaving the port"},
    {PathKind::macvlan_ext, "macvlan-ext", "macvlan: container <-> outside",
     "a bridge-mode macvlan to the far end of its parent's wire (a veth), c1 -> ext"},
    {PathKind::macvtap_ext, "macvtap-ext", "macvtap: VM <-> outside (via user-space relay)",
     "a guest's TAP joined to a bridge-mode macvtap's queue by this process's relay thread (where a VM has QEMU or "
     "vhost-net), to the far end of the parent's wire, guest -> ext: the numbers include the relay, one frame per "
     "read and write, without virtio offloads, so they are a lower bound for macvtap"},
    {PathKind::ipvlan_l2, "ipvlan-l2", "ipvlan L2: container <-> container",
     "two L2-mode ipvlans on one veth parent, c1 -> c2 (ipvlan_xmit_mode_l2 delivers to a slave of the same parent "
     "directly)"},
    {PathKind::veth_bridge, "veth-bridge", "veth + Linux bridge (baseline)",
     "two veth pairs whose far ends are ports of one Linux bridge, a -> br0 -> b: the alternative the field note "
     "compares macvlan with"},
    {PathKind::veth, "veth", "one veth pair (floor)", "one veth pair between two namespaces, a -> b: the least any path between two stacks costs"},
};

const PathText& text(PathKind kind) {
    for (const auto& p : kPaths)
        if (p.kind == kind) return p;
    throw std::logic_error("unknown path kind");
}

// The bench's own addresses, in the range RFC 2544 sets aside for benchmarking network devices;
// they exist only inside the path's namespaces.
const IpAddress kClient = IpAddress::parse("198.18.0.1");
const IpAddress kServer = IpAddress::parse("198.18.0.2");
constexpr int kPrefix = 24;

EndpointTuning ipv4_only() {
    EndpointTuning t;
    t.families = {Family::ipv4};
    return t;
}

bool link_ready(const LinkInfo& l) {
    return l.up() && l.carrier && (l.operstate == IF_OPER_UP || l.operstate == IF_OPER_UNKNOWN);
}

// Topology::wait_until_links_ready's watch, for the nodes a path builds by hand.
void wait_until_up(const std::vector<std::unique_ptr<EndpointNode>>& nodes, std::chrono::steady_clock::time_point deadline) {
    std::vector<const NetNamespace*> namespaces;
    for (const auto& n : nodes) namespaces.push_back(&n->ns);
    LinkEvents events(namespaces);
    std::string waiting_for;
    const bool ready = events.wait_until(
        [&] {
            waiting_for.clear();
            for (const auto& n : nodes)
                for (int l : n->links)
                    if (!link_ready(n->rtnl->link(l))) waiting_for += (waiting_for.empty() ? "" : ", ") + n->endpoint + ":" + n->rtnl->link(l).name;
            return waiting_for.empty();
        },
        deadline);
    if (!ready) throw NotReady("links never became ready: " + waiting_for);
}

}  // namespace

const std::vector<PathKind>& all_path_kinds() {
    static const std::vector<PathKind> kinds = [] {
        std::vector<PathKind> out;
        for (const auto& p : kPaths) out.push_back(p.kind);
        return out;
    }();
    return kinds;
}

std::string_view path_id(PathKind kind) { return text(kind).id; }
std::string_view path_title(PathKind kind) { return text(kind).title; }
std::string_view path_description(PathKind kind) { return text(kind).description; }
bool path_has_user_space_relay(PathKind kind) { return kind == PathKind::macvtap_ext; }

PathKind path_kind_from_id(std::string_view id) {
    for (const auto& p : kPaths)
        if (id == p.id) return p.kind;
    throw std::invalid_argument("unknown path '" + std::string(id) + "'");
}

DataPath::~DataPath() = default;

std::unique_ptr<DataPath> DataPath::build(PathKind kind, std::chrono::steady_clock::time_point deadline) {
    std::unique_ptr<DataPath> p(new DataPath(kind));
    switch (kind) {
        case PathKind::macvlan_bridge:
        case PathKind::macvlan_ext:
        case PathKind::macvtap_ext: p->build_from_topology(deadline); break;
        case PathKind::ipvlan_l2: p->build_ipvlan(deadline); break;
        case PathKind::veth_bridge: p->build_veths(true, deadline); break;
        case PathKind::veth: p->build_veths(false, deadline); break;
    }
    return p;
}

// The macvlan and macvtap paths are the conformance suite's own topologies (a veth parent, ext on
// its far end, slaves in namespaces of their own), so the bench measures exactly what the suite
// asserts on.
void DataPath::build_from_topology(std::chrono::steady_clock::time_point deadline) {
    TopologySpec spec;
    spec.name = "bench." + std::string(path_id(kind_));
    spec.variant = {"plain", ParentKind::veth, ExternalKind::plain, false, "a plain peer"};
    const bool guest = kind_ == PathKind::macvtap_ext;
    spec.slaves.push_back({"c1", MacvlanMode::bridge, false, guest ? SlaveKind::macvtap : SlaveKind::macvlan, {}});
    if (kind_ == PathKind::macvlan_bridge) spec.slaves.push_back({"c2", MacvlanMode::bridge, false, SlaveKind::macvlan, {}});
    topology_ = Topology::build(spec, {ipv4_only(), nullptr});
    topology_->wait_until_links_ready(deadline);
    const Endpoint server = kind_ == PathKind::macvlan_bridge ? "c2" : kExt;
    client_ns_ = &topology_->node("c1").ns;
    server_ns_ = &topology_->node(server).ns;
    client_address_ = topology_->addresses().control("c1", Family::ipv4);
    server_address_ = topology_->addresses().control(server, Family::ipv4);
}

void DataPath::build_ipvlan(std::chrono::steady_clock::time_point deadline) {
    constexpr uint16_t kIpvlanModeL2 = 0;  // IPVLAN_MODE_L2
    auto host = std::make_unique<EndpointNode>(kHost, NetNamespace::create());
    auto ext = std::make_unique<EndpointNode>(kExt, NetNamespace::create());
    auto c1 = std::make_unique<EndpointNode>("c1", NetNamespace::create());
    auto c2 = std::make_unique<EndpointNode>("c2", NetNamespace::create());
    host->links.push_back(host->rtnl->create_veth("parent", planned_mac(kHostStation), "peer", planned_mac(kExtStation), ext->ns));
    ext->links.push_back(ext->rtnl->link("peer").ifindex);
    ext->use_interface(ext->links.back());
    host->use_interface(host->links.back());
    for (auto* slave : {c1.get(), c2.get()}) {
        // ipvlan slaves take the parent's MAC; created beside it, then moved to their namespace.
        const std::string name = "ipvl-" + slave->endpoint;
        const int made = host->rtnl->create_ipvlan(name, host->ifindex, kIpvlanModeL2);
        host->rtnl->move_to(made, slave->ns);
        slave->links.push_back(slave->rtnl->link(name).ifindex);
        slave->use_interface(slave->links.back());
    }
    for (auto* n : {host.get(), ext.get()}) n->configure({}, ipv4_only());
    c1->configure({{kClient, kPrefix}}, ipv4_only());
    c2->configure({{kServer, kPrefix}}, ipv4_only());
    nodes_.push_back(std::move(host));
    nodes_.push_back(std::move(ext));
    nodes_.push_back(std::move(c1));
    nodes_.push_back(std::move(c2));
    wait_until_up(nodes_, deadline);
    client_ns_ = &nodes_[2]->ns;
    server_ns_ = &nodes_[3]->ns;
    client_address_ = kClient;
    server_address_ = kServer;
}

void DataPath::build_veths(bool through_bridge, std::chrono::steady_clock::time_point deadline) {
    auto a = std::make_unique<EndpointNode>("a", NetNamespace::create());
    auto b = std::make_unique<EndpointNode>("b", NetNamespace::create());
    const MacAddress a_mac = planned_mac(kFirstSlaveStation), b_mac = planned_mac(kFirstSlaveStation + 1);
    if (through_bridge) {
        auto sw = std::make_unique<EndpointNode>("sw", NetNamespace::create());
        const int bridge = sw->rtnl->create_bridge("br0", planned_mac(kHostStation, 3));
        int port_index = 1;
        for (auto* end : {a.get(), b.get()}) {
            const std::string port = "port-" + end->endpoint;
            const int p = sw->rtnl->create_veth(port, planned_mac(kHostStation, static_cast<uint8_t>(port_index++)), "eth0",
                                                end == a.get() ? a_mac : b_mac, end->ns);
            sw->rtnl->set_master(p, bridge);
            sw->links.push_back(p);
        }
        sw->links.push_back(bridge);
        sw->use_interface(bridge);
        sw->configure({}, ipv4_only());
        nodes_.push_back(std::move(sw));
    } else {
        a->rtnl->create_veth("eth0", a_mac, "eth0", b_mac, b->ns);
    }
    for (auto* end : {a.get(), b.get()}) {
        end->links.push_back(end->rtnl->link("eth0").ifindex);
        end->use_interface(end->links.back());
    }
    a->configure({{kClient, kPrefix}}, ipv4_only());
    b->configure({{kServer, kPrefix}}, ipv4_only());
    client_ns_ = &a->ns;
    server_ns_ = &b->ns;
    nodes_.push_back(std::move(a));
    nodes_.push_back(std::move(b));
    wait_until_up(nodes_, deadline);
    client_address_ = kClient;
    server_address_ = kServer;
}

}  // namespace mvc
