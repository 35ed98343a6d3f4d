// SPDX-License-Identifier: MIT
#include "delivery_probe.hpp"

#include <linux/if_packet.h>
#include <poll.h>

#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>
#include <tuple>

#include "guest_relay.hpp"
#include "net_proc.hpp"
#include "packet_socket.hpp"
#include "probe_frame.hpp"

namespace mvc {

std::vector<MacAddress> delivery_test_groups() {
    // 03: locally administered multicast, so no protocol has a meaning for them.
    std::vector<MacAddress> groups;
    for (uint8_t n = 1; n <= 8; ++n) groups.push_back(MacAddress({0x03, 0x00, 0xff, 0xff, 0xff, n}));
    return groups;
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTestRounds = 3;
constexpr auto kResendInterval = std::chrono::milliseconds(10);
const MacAddress kBroadcast({0xff, 0xff, 0xff, 0xff, 0xff, 0xff});

enum Phase : uint8_t { before_tests = 0, after_tests = 1 };

bool same_lower_bytes(const MacAddress& a, const MacAddress& b) {
    // The bytes mc_hash mixes in below the top byte of its 32-bit word.
    return std::equal(a.bytes().begin() + 2, a.bytes().begin() + 5, b.bytes().begin() + 2);
}

class Probe {
public:
    Probe(Topology& topology, const DeliveryProbeOptions& options)
        : topology_(topology), options_(options), groups_(delivery_test_groups()) {
        order_ = topology.spec().endpoints();
        if (order_.size() > 255) throw std::logic_error("topology " + topology.spec().id() + " has too many endpoints for a delivery probe");
        for (const auto& e : order_) {
            const auto& node = topology.node(e);
            stations_.emplace(e, PacketSocket(node.ns, node.ifindex, kTestEthertype));
        }
        for (const auto& member : options.group_members) {
            for (const auto& g : groups_) stations_.at(member).join_multicast(g);
            // A guest joined on its own NIC; the filter macvlan_broadcast tests is its macvtap's.
            if (auto& node = topology.node(member); node.guest) node.guest->sync_filter();
        }
        for (const auto& e : order_) {
            // The filter on the way in counts: a guest's frames pass its macvtap's (links.front()),
            // which holds the guest's groups and the macvtap's own.
            std::set<MacAddress> subscribed;
            const auto& node = topology.node(e);
            for (int link : node.guest ? node.links : std::vector<int>{node.ifindex})
                for (const auto& group : multicast_subscriptions(node.ns, link)) subscribed.insert(group);
            unsigned budget = 0;
            for (const auto& group : subscribed)
                if (!same_lower_bytes(group, groups_.front())) ++budget;
            collision_budget_[e] = budget;
        }
    }

    DeliveryReport run() {
        DeliveryReport report;
        std::string problem = confirm_controls(before_tests, Clock::now() + options_.control_timeout);
        if (!problem.empty()) problem = "before the test frames, " + problem;

        test_start_ = Clock::now();
        for (int round = 0; round < kTestRounds; ++round) {
            if (round > 0) collect_until(Clock::now() + kResendInterval, [] { return false; });
            send_test_frames(static_cast<uint8_t>(round));
        }
        const auto window_end = Clock::now() + options_.quiet_window;
        // The trailing controls run inside the quiet window; the window is waited out either way.
        const auto after = confirm_controls(after_tests, window_end + options_.control_timeout);
        if (!after.empty()) problem += (problem.empty() ? "" : "; ") + std::string("after the test frames, ") + after;
        collect_until(window_end, [] { return false; });

        report.trusted = problem.empty();
        report.problem = problem;
        for (auto frame : kAllFrameKinds)
            for (const auto& from : options_.senders)
                for (const auto& to : order_) {
                    DeliveryCount count;
                    count.sent = frame == FrameKind::broadcast ? 1 : static_cast<unsigned>(groups_.size());
                    count.collision_budget = frame == FrameKind::broadcast ? 0 : collision_budget_.at(to);
                    if (auto it = arrivals_.find({frame, from, to}); it != arrivals_.end()) {
                        count.received = static_cast<unsigned>(it->second.groups.size());
                        count.first_arrival = it->second.first - test_start_;
                        for (const auto& [round_and_group, copies] : it->second.copies) count.duplicates += copies > 1 ? 1 : 0;
                    }
                    report.counts[{frame, from, to}] = count;
                }
        return report;
    }

private:
    struct Arrivals {
        std::set<uint8_t> groups;
        std::map<std::pair<uint8_t, uint8_t>, unsigned> copies;  // (round, group) -> how many arrived
        Clock::time_point first;
    };

    uint8_t code(const Endpoint& e) const {
        return static_cast<uint8_t>(std::find(order_.begin(), order_.end(), e) - order_.begin());
    }

    Frame frame(const MacAddress& destination, const Endpoint& from, const ProbeFrame& fields) const {
        return ethernet_frame(destination, topology_.node(from).mac, kTestEthertype, probe_payload(fields));
    }

    ProbeFrame control(Phase phase, const Endpoint& from) const {
        ProbeFrame f;
        f.type = ProbeFrame::Type::control;
        f.phase = phase;
        f.sender = code(from);
        return f;
    }

    ProbeFrame test(FrameKind kind, const Endpoint& from, size_t group, uint8_t round) const {
        ProbeFrame f;
        f.type = ProbeFrame::Type::test;
        f.kind = kind;
        f.sender = code(from);
        f.group = static_cast<uint8_t>(group);
        f.round = round;
        return f;
    }

    void send_controls(Phase phase) {
        std::set<Endpoint> sent;
        for (const auto& [from, to] : options_.controls)
            if (sent.insert(from).second) stations_.at(from).send(frame(kBroadcast, from, control(phase, from)));
    }

    // The control paths (options.controls) that have not got through yet in this phase, or "".
    std::string missing_controls(Phase phase) const {
        std::string missing;
        for (const auto& [from, to] : options_.controls)
            if (!controls_seen_.count({phase, from, to})) missing += (missing.empty() ? "" : ", ") + from + "->" + to;
        return missing;
    }

    std::string confirm_controls(Phase phase, Clock::time_point deadline) {
        while (!missing_controls(phase).empty() && Clock::now() < deadline) {
            send_controls(phase);
            collect_until(std::min(deadline, Clock::now() + kResendInterval),
                          [&] { return missing_controls(phase).empty(); });
        }
        const auto missing = missing_controls(phase);
        return missing.empty() ? "" : "the control broadcasts " + missing + " never arrived";
    }

    void send_test_frames(uint8_t round) {
        for (const auto& s : options_.senders) {
            stations_.at(s).send(frame(kBroadcast, s, test(FrameKind::broadcast, s, 0, round)));
            for (size_t g = 0; g < groups_.size(); ++g)
                stations_.at(s).send(frame(groups_[g], s, test(FrameKind::multicast, s, g, round)));
        }
    }

    void collect_until(Clock::time_point deadline, const std::function<bool()>& done) {
        std::vector<pollfd> fds;
        for (const auto& e : order_) fds.push_back({stations_.at(e).fd(), POLLIN, 0});
        for (;;) {
            for (const auto& e : order_) record(e, stations_.at(e).drain());
            if (done()) return;
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) return;
            ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
        }
    }

    void record(const Endpoint& receiver, const std::vector<ReceivedFrame>& frames) {
        const auto now = Clock::now();
        for (const auto& r : frames) {
            if (r.packet_type == PACKET_OUTGOING) continue;
            const auto f = decode_probe_frame(r.frame, order_.size(), groups_.size());
            if (!f) continue;
            if (f->type == ProbeFrame::Type::control) {
                controls_seen_.insert({f->phase, order_[f->sender], receiver});
            } else {
                auto& a = arrivals_[{f->kind, order_[f->sender], receiver}];
                if (a.groups.empty()) a.first = now;
                a.groups.insert(f->group);
                ++a.copies[{f->round, f->group}];
            }
        }
    }

    Topology& topology_;
    const DeliveryProbeOptions& options_;
    const std::vector<MacAddress> groups_;
    std::map<Endpoint, PacketSocket> stations_;
    std::vector<Endpoint> order_;
    std::map<Endpoint, unsigned> collision_budget_;
    std::set<std::tuple<uint8_t, Endpoint, Endpoint>> controls_seen_;
    std::map<DeliveryKey, Arrivals> arrivals_;
    Clock::time_point test_start_;
};

// Leaves every slave's filter holding its broadcast bit and 224.0.0.1's group only, so that one
// collision is all a test group can have with it.
void narrow_multicast_filters(Topology& topology) {
    // Without IPv6 a device subscribes to no all-nodes or solicited-node group (and the wire carries
    // no MLD or DAD).
    for (const auto& e : topology.spec().endpoints()) {
        auto& node = topology.node(e);
        for (int link : node.links) disable_ipv6(node.ns, node.rtnl->link(link).name);
    }
    // Leaving those groups is not enough: macvlan_set_mac_lists computes a slave's filter before
    // dev_mc_sync prunes the addresses it has just left, so the last group left keeps its bit until
    // the filter is computed again (observed on 6.18). macvlan_open computes it from a pruned list.
    // A guest's groups leave its macvtap first (they were passed on, not joined by the macvtap),
    // and the macvtap is restarted with the guest's NIC.
    for (const auto& s : topology.spec().slaves) {
        auto& node = topology.node(s.name);
        if (node.guest) node.guest->sync_filter();
        const auto links = node.guest ? node.links : std::vector<int>{node.ifindex};
        for (int link : links) node.rtnl->set_up(link, false);
        for (int link : links) node.rtnl->set_up(link, true);
    }
}

}  // namespace

DeliveryReport probe_delivery(Topology& topology, const DeliveryProbeOptions& options) {
    narrow_multicast_filters(topology);
    std::string not_ready;
    try {
        topology.wait_until_links_ready(Clock::now() + options.control_timeout);
    } catch (const NotReady& e) {
        not_ready = e.what();
    }
    DeliveryReport report = Probe(topology, options).run();
    if (!not_ready.empty()) {
        report.trusted = false;
        report.problem = not_ready + (report.problem.empty() ? "" : "; " + report.problem);
    }
    return report;
}

}  // namespace mvc
