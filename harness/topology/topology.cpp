// SPDX-License-Identifier: MIT
#include "topology.hpp"

#include <linux/if.h>

#include <algorithm>
#include <atomic>

#include "bond_link.hpp"
#include "guest_relay.hpp"
#include "link_events.hpp"
#include "tap_device.hpp"

namespace mvc {

namespace {

constexpr const char* kSlaveName = "eth0";
constexpr const char* kMacvtapName = "macvtap0";  // a macvtap slave's own link; the guest's is kSlaveName

// A VM on a macvtap, as libvirt's <interface type='direct'> makes it: the macvtap in the guest's
// namespace carries no addresses (its frames go to the queue, tap_handle_frame), and the guest's
// NIC, a TAP with the macvtap's MAC, is joined to the queue by a GuestRelay.
void attach_guest(EndpointNode& slave, const MacAddress& mac) {
    const int macvtap = slave.rtnl->link(kMacvtapName).ifindex;
    UniqueFd queue = open_macvtap_queue(slave.ns, kMacvtapName);
    UniqueFd tap = create_tap(slave.ns, kSlaveName);
    const int guest = slave.rtnl->link(kSlaveName).ifindex;
    slave.rtnl->set_mac(guest, mac);
    slave.guest = std::make_unique<GuestRelay>(slave.ns, kMacvtapName, kSlaveName, std::move(queue), std::move(tap));
    slave.links = {macvtap, guest};
    slave.use_interface(guest);
}

bool link_ready(const LinkInfo& l) {
    return l.up() && l.carrier && (l.operstate == IF_OPER_UP || l.operstate == IF_OPER_UNKNOWN);
}

std::string hex_byte(uint8_t b) {
    constexpr const char* kDigits = "0123456789abcdef";
    return {kDigits[b >> 4], kDigits[b & 0xf]};
}

std::string describe(const LinkInfo& l) {
    static const char* names[] = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"};
    const char* oper = l.operstate < std::size(names) ? names[l.operstate] : "?";
    return l.name + " (admin " + (l.up() ? "up" : "down") + ", carrier " + (l.carrier ? "on" : "off") +
           ", operstate " + oper + ")";
}

}  // namespace

bool Topology::is_local(Endpoint endpoint) const {
    if (endpoint == kHost) return true;
    if (endpoint == kExt) return wire_.ext && wire_.ext->local();
    return slaves_.count(endpoint) > 0;
}

EndpointNode& Topology::node(Endpoint endpoint) {
    EndpointNode* found = nullptr;
    if (endpoint == kHost) found = wire_.host.get();
    else if (endpoint == kExt) found = wire_.ext ? wire_.ext->local() : nullptr;
    else if (auto it = slaves_.find(endpoint); it != slaves_.end()) found = it->second.get();
    if (!found) throw std::logic_error("topology " + spec_.id() + " has no local " + endpoint);
    return *found;
}

const EndpointNode& Topology::node(Endpoint endpoint) const { return const_cast<Topology*>(this)->node(endpoint); }

std::vector<Endpoint> Topology::local_endpoints() const {
    std::vector<Endpoint> out;
    for (auto e : spec_.endpoints())
        if (is_local(e)) out.push_back(e);
    return out;
}

std::vector<EndpointNode*> Topology::local_nodes() {
    std::vector<EndpointNode*> out;
    for (auto e : local_endpoints()) out.push_back(&node(e));
    return out;
}

MacAddress Topology::mac_of(Endpoint endpoint) const {
    if (endpoint == kExt && wire_.ext) return wire_.ext->mac();
    return node(endpoint).mac;
}

std::unique_ptr<Topology> Topology::build(const TopologySpec& spec, const TopologyOptions& options) {
    std::unique_ptr<Topology> t(new Topology(spec));
    const WireSource& wires = options.wires ? *options.wires : fresh_wires();
    t->addresses_ = AddressPlan(spec, wires.address_ranges(spec));
    t->wire_ = wires.attach(spec.variant);
    for (const auto& s : spec.slaves) t->slaves_.emplace(s.name, std::make_unique<EndpointNode>(s.name, NetNamespace::create()));
    t->build_slaves();
    auto addresses_of = [&](const Endpoint& e) {
        std::vector<AddressWithPrefix> out;
        for (auto family : options.tuning.families)
            for (const auto& a : t->addresses_.addresses_of(e, family)) out.emplace_back(a, t->addresses_.prefix_length(family));
        return out;
    };
    for (auto* n : t->local_nodes())
        if (n->endpoint != kExt) n->configure(addresses_of(n->endpoint), options.tuning);
    if (t->wire_.ext) t->wire_.ext->configure(addresses_of(kExt), options.tuning);
    t->add_static_neighbours(options.tuning.families);
    return t;
}

Topology::~Topology() {
    if (!wire_.host || !wire_.host->borrowed) return;  // everything else lives in namespaces that close with the nodes
    // The kernel dismantles a closed namespace asynchronously; on a lent parent the next topology
    // would meet these slaves' MACs (EADDRINUSE, macvlan_open). Delete them now, synchronously.
    for (auto& [endpoint, slave] : slaves_) {
        try {
            // links.front() is the port member: the macvlan, or a guest's macvtap (whose queue
            // the relay lets go first); ifindex would be the guest's TAP.
            slave->guest.reset();
            if (!slave->links.empty()) slave->rtnl->delete_link(slave->links.front());
        } catch (const std::exception&) {
        }
    }
}

void Topology::build_slaves() {
    EndpointNode& host = *wire_.host;
    // In the spec's order: source-mode allow-lists may name slaves created before them, and MACs are
    // planned, so they can name later ones too.
    for (size_t i = 0; i < spec_.slaves.size(); ++i) {
        const SlaveSpec& s = spec_.slaves[i];
        auto& slave = slaves_.at(s.name);
        MacvlanSpec m;
        const bool macvtap = s.kind == SlaveKind::macvtap;
        m.kind = macvtap ? "macvtap" : "macvlan";
        m.name = macvtap ? kMacvtapName : kSlaveName;
        m.lower_ifindex = host.ifindex;
        m.mode = s.mode;
        if (s.nodst) m.flags |= kMacvlanFlagNoDst;
        const unsigned station = kFirstSlaveStation + static_cast<unsigned>(i);
        if (s.mode != MacvlanMode::passthru) m.mac = planned_mac(station);  // passthru inherits the parent's
        m.target = &slave->ns;
        for (const auto& allowed : s.source_allow) m.source_macs.push_back(planned_or_actual_mac(allowed));
        create_macvlan(*host.rtnl, m);
        if (macvtap) {
            attach_guest(*slave, slave->rtnl->link(kMacvtapName).mac);  // passthru: the parent's MAC
            continue;
        }
        slave->links.push_back(slave->rtnl->link(kSlaveName).ifindex);
        slave->use_interface(slave->links.back());
    }
    host.mac = host.rtnl->link(host.ifindex).mac;
}

void Topology::add_static_neighbours(const std::vector<Family>& families) {
    // The field note's "unless the MAC address is known by hand": the holder knows every address
    // of the target, so it never asks for it (no ARP/ND broadcast).
    for (const auto& holder : spec_.endpoints())
        for (const auto& target : spec_.endpoints()) {
            if (!spec_.knows_by_hand(holder, target)) continue;
            if (!is_local(holder))
                throw std::logic_error("topology " + spec_.id() + ": " + holder + " is on another machine; its neighbour table is not ours to fill");
            EndpointNode& from = node(holder);
            for (auto family : families)
                for (const auto& ip : addresses_.addresses_of(target, family))
                    from.rtnl->add_permanent_neighbour(from.ifindex, ip, mac_of(target));
        }
}

MacAddress Topology::planned_or_actual_mac(const Endpoint& endpoint) const {
    if (endpoint == kHost) return wire_.host->mac;
    if (endpoint == kExt) return wire_.ext->mac();
    for (size_t i = 0; i < spec_.slaves.size(); ++i)
        if (spec_.slaves[i].name == endpoint) {
            auto it = slaves_.find(endpoint);
            if (it != slaves_.end() && it->second->ifindex) return it->second->mac;
            if (spec_.slaves[i].mode == MacvlanMode::passthru) return wire_.host->mac;
            return planned_mac(kFirstSlaveStation + static_cast<unsigned>(i));
        }
    throw std::logic_error("topology " + spec_.id() + " has no endpoint " + endpoint);
}

void Topology::forget_neighbours() {
    const auto all = spec_.endpoints();
    forget_neighbours(std::set<Endpoint>(all.begin(), all.end()));
}

void Topology::forget_neighbours(const std::set<Endpoint>& endpoints) {
    for (auto* n : local_nodes()) {
        if (!endpoints.count(n->endpoint)) continue;
        if (n->borrowed)
            n->rtnl->flush_neighbours([&](const IpAddress& a, int ifindex) { return ifindex == n->ifindex && addresses_.contains(a); });
        else
            n->rtnl->flush_neighbours({}, true);
    }
    if (wire_.ext && !wire_.ext->local() && endpoints.count(kExt))
        wire_.ext->forget_neighbours(addresses_.range(Family::ipv4), addresses_.range(Family::ipv6));
}

void Topology::wait_until_links_ready(std::chrono::steady_clock::time_point deadline) {
    const auto nodes = local_nodes();
    std::vector<const NetNamespace*> namespaces;
    for (auto* n : nodes) namespaces.push_back(&n->ns);
    LinkEvents events(namespaces);
    // A bond parent, or the bond under a VLAN parent; the port check below looks at bonds' ports only.
    const bool lacp = spec_.variant.bond_mode == BondMode::lacp_802_3ad;
    std::vector<std::string> waiting_for(nodes.size());
    auto ready_in = [&](size_t i) {
        auto* n = nodes[i];
        waiting_for[i].clear();
        for (int l : n->links) {
            const LinkInfo info = n->rtnl->link(l);
            std::string problem;
            if (!link_ready(info)) problem = describe(info);
            else if (lacp && info.master_ifindex && n->rtnl->link(info.master_ifindex).kind == "bond")
                if (const auto state = lacp_actor_state(*n->rtnl, l); !state || !lacp_port_carries_frames(*state))
                    problem = info.name + " (an 802.3ad port not yet collecting and distributing" +
                              (state ? ", LACP actor state 0x" + hex_byte(*state) : ", in no aggregator yet") + ")";
            if (!problem.empty()) waiting_for[i] += (waiting_for[i].empty() ? "" : ", ") + n->endpoint + ":" + problem;
        }
        return waiting_for[i].empty();
    };
    // The LACP state machines run on their own (bond_3ad_state_machine_handler) and announce a
    // port's new state only when they get the RTNL lock at once (rtnl_trylock): looked at again
    // every 100 ms as well.
    const auto late = events.wait_for_each(ready_in, deadline, lacp ? std::chrono::milliseconds{100} : std::chrono::milliseconds{0});
    if (late.empty()) return;
    std::string text;
    for (size_t i : late) text += (text.empty() ? "" : ", ") + waiting_for[i];
    throw NotReady("links never became ready: " + text);
}

namespace {

// When an IPv6 address of any topology of this process last became usable. The kernel makes
// every address usable from a work item of its own (addrconf_dad_work on the ipv6_addrconf
// workqueue) that takes the RTNL lock, so while topologies are built in parallel their addresses
// wait for each other's, and those added last wait longest. A wait ends without them only when the
// kernel has made no progress on anybody's addresses for a whole stall time (or after
// kMostStalls of them, however steady the progress elsewhere).
std::atomic<std::chrono::steady_clock::rep> last_address_progress{0};
constexpr int kMostStalls = 10;

void note_address_progress() { last_address_progress = std::chrono::steady_clock::now().time_since_epoch().count(); }

std::chrono::steady_clock::time_point last_progress() {
    return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(last_address_progress.load()));
}

}  // namespace

void Topology::wait_until_addresses_usable(std::chrono::milliseconds stall) {
    using Clock = std::chrono::steady_clock;
    const auto nodes = local_nodes();
    std::vector<const NetNamespace*> namespaces;
    for (auto* n : nodes) namespaces.push_back(&n->ns);
    LinkEvents events(namespaces, LinkEvents::Also::ipv6_addresses);
    std::vector<std::vector<IpAddress>> missing(nodes.size());
    // Progress is an address that became usable: counted from all of a node's addresses, so a
    // node with none usable (or no IPv6 at all) is no progress.
    std::vector<size_t> missing_before;
    for (auto* n : nodes) missing_before.push_back(n->ipv6_address_count());
    const auto start = Clock::now();
    const auto late = events.wait_for_each(
        [&](size_t i) {
            missing[i] = nodes[i]->ipv6_not_yet_local();
            if (!missing[i].empty())
                if (const auto removed = nodes[i]->ipv6_removed(); !removed.empty())
                    throw NotReady(nodes[i]->endpoint + "'s " + removed.front().str() +
                                   (removed.size() > 1 ? " and " + std::to_string(removed.size() - 1) + " more" : "") +
                                   " were removed from its interface while the topology waited for them to become usable");
            if (missing[i].size() < missing_before[i]) note_address_progress();
            missing_before[i] = missing[i].size();
            return missing[i].empty();
        },
        [&] { return std::min(std::max(start, last_progress()) + stall, start + kMostStalls * stall); });
    if (late.empty()) return;
    std::string text;
    for (size_t i : late) {
        text += (text.empty() ? "" : "; ") + nodes[i]->endpoint + ":";
        for (size_t k = 0; k < missing[i].size() && k < 3; ++k) text += " " + missing[i][k].str();
        if (missing[i].size() > 3) text += " and " + std::to_string(missing[i].size() - 3) + " more";
    }
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    throw NotReady("after " + std::to_string(waited.count()) +
                   " ms, IPv6 addresses the kernel does not take packets for yet (no local route: addrconf's DAD work has not run; " +
                   (waited >= kMostStalls * stall ? "the most this wait gives them"
                                                  : "no address of any topology became usable for " + std::to_string(stall.count()) + " ms") +
                   "): " + text);
}

std::optional<LostFrames> Topology::take_wire_losses() {
    if (wire_.loss.empty()) return std::nullopt;
    LostFrames all;
    for (auto& end : wire_.loss) all.add(end->take());
    frames_lost_ += all.dropped;
    return all;
}

}  // namespace mvc
