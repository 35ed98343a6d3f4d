// SPDX-License-Identifier: MIT
#include "reachability_campaign.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <set>
#include <semaphore>
#include <thread>

#include "guest_slot.hpp"
#include "netns_pin.hpp"
#include "packet_socket.hpp"
#include "external_peer.hpp"
#include "neighbour_budget.hpp"
#include "quiet_turns.hpp"
#include "topology.hpp"

namespace mvc {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct TopologyResult {
    std::map<CellId, CellObservation> cells;
    double seconds = 0;
    std::shared_ptr<Topology> kept;                           // keep_topologies
    std::map<Endpoint, std::vector<ReceivedFrame>> captures;  // capture
    AddressPlan addresses;  // the plan the topology used: a lent wire's ranges are not the default
    uint64_t frames_lost = 0;  // by --inject-fault loss:N on its wire
};

std::string label(const Endpoint& from, const Endpoint& to, Family family) {
    return from + "->" + to + " (" + std::string(to_string(family)) + ")";
}

struct EndpointProbe {
    Endpoint from;
    IpAddress source, destination;
    bool pacer = false;
};

// On a lossy wire (--inject-fault loss:N): whether the wire dropped a frame of this probe's
// exchange (its request, its reply, or their ARP/ND, all sent from one of its two addresses) during
// the wave. A silent probe whose frames were lost proves nothing; one whose frames all crossed is
// as good as on a perfect wire.
bool lost_on_wire(const std::optional<LostFrames>& lost, const EndpointProbe& p) {
    return lost && (lost->touches(p.source) || lost->touches(p.destination));
}

std::string wire_loss_text(const LostFrames& lost) {
    return "the wire lost frames of its exchange (" + std::to_string(lost.dropped) + " dropped by the injected loss during its wave" +
           (lost.unattributed ? ", " + std::to_string(lost.unattributed) + " of them neither ARP nor IP" : "") + ")";
}

// Runs every probe at once. Those of the endpoints on this machine, ext included when it is here,
// share one loop, so that its pacers set the window for all of them; those of an ext on another
// machine go through its ExternalPeer at the same time.
std::vector<EchoResult> run_probes(Topology& topo, const std::vector<EndpointProbe>& probes, const EchoSchedule& schedule,
                                   EchoWindow* window = nullptr) {
    std::vector<EchoProbe> local;
    std::vector<size_t> local_index, ext_index;
    std::vector<ExternalProbe> from_ext;
    for (size_t i = 0; i < probes.size(); ++i) {
        if (!topo.is_local(probes[i].from)) {
            from_ext.push_back({probes[i].source, probes[i].destination});
            ext_index.push_back(i);
        } else {
            local.push_back({&topo.node(probes[i].from).ns, probes[i].source, probes[i].destination, probes[i].pacer});
            local_index.push_back(i);
        }
    }
    std::future<std::vector<EchoResult>> ext_results;
    if (!from_ext.empty()) {
        if (!topo.ext()) throw std::logic_error("a probe from ext in a topology without one");
        ext_results = std::async(std::launch::async, [&] { return topo.ext()->echo(from_ext, schedule); });
    }
    std::vector<EchoResult> results(probes.size());
    const auto local_results = run_echo_probes(local, schedule, window);
    for (size_t i = 0; i < local_results.size(); ++i) results[local_index[i]] = local_results[i];
    if (ext_results.valid()) {
        const auto seen = ext_results.get();
        for (size_t i = 0; i < seen.size(); ++i) results[ext_index[i]] = seen[i];
    }
    return results;
}

// How many probes of one family a wave may hold. Two limits: the neighbour budget (two entries per
// probe), and macvlan's broadcast queue. A solicitation that arrives on the parent from the wire is
// queued (macvlan_broadcast_enqueue) and the work item copies it to every slave, so on a port with
// many slaves each such frame costs as many copies; a wave of them beyond what the work item drains
// in time overflows the queue (rx_dropped) or leaves the last ones waiting far longer than the
// pacers. kQueuedCopiesPerWave bounds the copies a wave may ask for.
constexpr size_t kQueuedCopiesPerWave = 20000;

// Neighbour entries one probe can make: the sender's for the target and the target's for the sender,
// and in IPv6 the NOARP entry for the solicited-node group the solicitation goes to.
unsigned entries_per_probe(Family family) { return family == Family::ipv4 ? 2 : 3; }

size_t wave_size(const Topology& topo, Family family, size_t pacers) {
    const size_t budget = NeighbourBudget::of(family).capacity() / entries_per_probe(family);
    const size_t neighbours = budget > pacers ? budget - pacers : 1;
    const size_t fan_out = std::max<size_t>(1, topo.spec().slaves.size());
    return std::max<size_t>(1, std::min(neighbours, kQueuedCopiesPerWave / fan_out));
}

// After the parent dropped group frames (its broadcast queue was full), the queue may still hold
// hundreds of them, each still to be copied to every slave (macvlan_process_broadcast, in a work
// item): a frame retried before the queue drains is dropped again. Waits, within `longest`, until
// the slaves stop receiving (their rx_packets stand still for a few samples), which the end of a
// wave's probes leaves as the only traffic.
// What a few slaves, spread over the topology, have received so far.
uint64_t sampled_slave_rx(Topology& topo) {
    const auto& slaves = topo.spec().slaves;
    constexpr size_t kSampled = 4;
    uint64_t sum = 0;
    for (size_t k = 0; k < kSampled && k < slaves.size(); ++k) {
        auto& n = topo.node(slaves[k * slaves.size() / kSampled].name);
        sum += n.rtnl->link(n.ifindex).rx_packets;
    }
    return sum;
}

// Above this many slaves, under load, the queue was seen still working through a wave's frames
// after the wave's window (1000 slaves at load 11 on two cores); at 64 slaves it never was (20
// runs under the same load), so smaller topologies skip the check and its 100 ms per wave.
constexpr size_t kLargeFanOut = 128;

// A wave's silence proves nothing while the broadcast queue still delivers its frames: the
// slaves are still receiving once the probes have stopped.
bool broadcast_queue_still_delivering(Topology& topo) {
    if (topo.spec().slaves.size() <= kLargeFanOut) return false;
    const uint64_t before = sampled_slave_rx(topo);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the sampling interval of a counter
    return sampled_slave_rx(topo) != before;
}

void wait_until_broadcast_queue_drains(Topology& topo, Clock::duration longest) {
    if (topo.spec().slaves.empty()) return;
    auto received = [&] { return sampled_slave_rx(topo); };
    const auto deadline = Clock::now() + longest;
    uint64_t last = received();
    for (int unchanged = 0; unchanged < 3 && Clock::now() < deadline;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the sampling interval of a counter
        const uint64_t now = received();
        unchanged = now == last ? unchanged + 1 : 0;
        last = now;
    }
}

// Echo controls: paths the topology guarantees, on their own addresses. Returns, per family, why
// the family cannot be trusted ("" when every control answered). A topology with a control per
// endpoint (hundreds) runs them in waves the neighbour budget allows, forgetting each wave's entries.
std::map<Family, std::string> check_echo_controls(Topology& topo, const std::vector<Family>& families,
                                                  Clock::duration wave_time) {
    std::map<Family, std::vector<std::string>> silent;
    const auto& controls = topo.spec().controls;
    auto parent_drops = [&] { return topo.node(kHost).rtnl->link(topo.parent_ifindex()).rx_dropped; };
    constexpr int kRetries = 6;
    for (auto f : families) {
        size_t per_wave = wave_size(topo, f, 0);
        std::deque<size_t> pending;
        for (size_t i = 0; i < controls.size(); ++i) pending.push_back(i);
        std::vector<int> retries(controls.size(), 0);
        while (!pending.empty()) {
            std::vector<size_t> members;
            std::vector<EndpointProbe> probes;
            for (size_t k = 0; k < per_wave && !pending.empty(); ++k) {
                const auto& c = controls[pending.front()];
                members.push_back(pending.front());
                pending.pop_front();
                probes.push_back({c.from, topo.addresses().control(c.from, f), topo.addresses().control(c.to, f)});
            }
            const NeighbourBudget::Lease lease(f, static_cast<unsigned>(entries_per_probe(f) * probes.size()));
            // Every wave of every family gets the whole time: a family whose controls all time out
            // (a broken ARP) must not leave the other family's controls none.
            const auto drops_before = parent_drops();
            topo.take_wire_losses();  // what earlier waves lost is theirs
            const auto results = run_probes(topo, probes, {std::chrono::milliseconds(10), std::chrono::duration_cast<std::chrono::milliseconds>(wave_time)});
            const auto dropped = parent_drops() - drops_before;
            const auto wire_lost = topo.take_wire_losses();
            const bool any_silent = std::any_of(results.begin(), results.end(), [](const auto& r) { return !r.replied; });
            const bool congested = dropped > 0 || (any_silent && broadcast_queue_still_delivering(topo));
            for (size_t k = 0; k < results.size(); ++k) {
                const size_t i = members[k];
                if (results[k].replied) continue;
                // A control lost to a full or lagging broadcast queue, or whose own frames the
                // wire lost, says nothing about the topology: again (in smaller waves, once the
                // queue has drained).
                const bool lost = lost_on_wire(wire_lost, probes[k]);
                if ((congested || lost) && retries[i] < kRetries) {
                    ++retries[i];
                    pending.push_back(i);
                    continue;
                }
                silent[f].push_back(label(controls[i].from, controls[i].to, f) +
                                    (results[k].failure.empty() ? "" : " (" + results[k].failure + ")") +
                                    (lost ? " (" + wire_loss_text(*wire_lost) + ", in " + std::to_string(kRetries + 1) + " tries)" : "") +
                                    (dropped > 0 ? " (the parent dropped " + std::to_string(dropped) + " group frames)"
                                     : congested ? " (the broadcast queue was still delivering)" : ""));
            }
            std::set<Endpoint> touched;
            for (size_t i : members) touched.insert({controls[i].from, controls[i].to});
            topo.forget_neighbours(touched);
            if (congested) {
                per_wave = std::max<size_t>(1, per_wave / 2);
                wait_until_broadcast_queue_drains(topo, wave_time);
            }
        }
    }
    std::map<Family, std::string> problems;
    for (const auto& [f, names] : silent) {
        std::string text;
        for (size_t i = 0; i < names.size() && i < 10; ++i) text += (text.empty() ? "" : ", ") + names[i];
        if (names.size() > 10) text += " and " + std::to_string(names.size() - 10) + " more";
        problems[f] = "positive control " + text + (names.size() == 1 ? " got" : " got") + " no echo reply";
    }
    return problems;
}

// Transmit controls, for a parent without a wire: each endpoint's ARP/ND for an address nobody owns
// must be seen leaving on the parent. That proves every transmit path is live, which is all a
// "blocked" verdict on a wire-less parent rests on.
std::map<Family, std::string> check_transmit_controls(Topology& topo, const std::vector<Family>& families,
                                                      Clock::duration budget) {
    std::map<Family, std::string> problems;
    const auto& spec = topo.spec();
    if (spec.transmit_controls.empty()) return problems;
    PacketSocket tap(topo.node(kHost).ns, topo.parent_ifindex());
    std::vector<std::pair<Endpoint, Family>> pending;
    for (auto f : families)
        for (const auto& e : spec.transmit_controls)
            if (topo.is_local(e)) pending.emplace_back(e, f);
    // One unresolved entry per endpoint and family, for the address nobody owns.
    std::vector<std::unique_ptr<NeighbourBudget::Lease>> leases;
    for (auto f : families) leases.push_back(std::make_unique<NeighbourBudget::Lease>(f, static_cast<unsigned>(spec.transmit_controls.size())));
    // From now: waiting for the leases (other topologies' waves) is no time of the controls'.
    const auto deadline = Clock::now() + budget;
    while (!pending.empty() && Clock::now() < deadline) {
        std::vector<EchoProbe> probes;
        for (const auto& [e, f] : pending)
            probes.push_back({&topo.node(e).ns, topo.addresses().control(e, f), topo.addresses().unowned(f)});
        run_echo_probes(probes, {std::chrono::milliseconds(10), std::chrono::milliseconds(20)});
        for (const auto& received : tap.drain())
            if (auto src = frame_source_address(received.frame))
                std::erase_if(pending, [&](const auto& p) { return topo.addresses().control(p.first, p.second) == *src; });
    }
    for (const auto& [e, f] : pending) {
        auto& p = problems[f];
        p += (p.empty() ? "transmit control: no frame from " : ", ") + e;
    }
    for (auto& [f, p] : problems) p += " was seen on the parent";
    topo.forget_neighbours();
    return problems;
}

// Each kind of control gets the whole budget: echo controls that time out must not use up the
// transmit controls' time (nor one family's the other's).
std::map<Family, std::string> check_controls(Topology& topo, const std::vector<Family>& families,
                                             Clock::duration budget) {
    auto problems = check_echo_controls(topo, families, budget);
    for (auto& [f, p] : check_transmit_controls(topo, families, budget))
        problems[f] += (problems[f].empty() ? "" : "; ") + p;
    return problems;
}

}  // namespace

std::map<CellId, CellObservation> probe_cells(Topology& topo, const std::vector<CellId>& cells,
                                              const CampaignOptions& options, QuietTurns::Busy* busy);

namespace {

TopologyResult run_topology(const TopologySpec& spec, const std::vector<CellId>& cells, const CampaignOptions& options,
                            QuietTurns& turns) {
    QuietTurns::Busy busy(turns);
    const auto start = Clock::now();
    TopologyResult result;
    std::vector<Family> families;
    for (const auto& c : cells)
        if (std::find(families.begin(), families.end(), c.family) == families.end()) families.push_back(c.family);

    std::unique_ptr<Topology> topo;
    try {
        topo = Topology::build(spec, {{families, options.neighbour_retransmit_ms, options.break_arp}, options.wires});
    } catch (const std::exception& e) {
        for (const auto& c : cells) result.cells[c] = {Reach::blocked, 0, false, std::string("could not build topology ") + spec.id() + ": " + e.what(), false};
        result.seconds = seconds_since(start);
        return result;
    }
    std::map<Endpoint, std::vector<std::unique_ptr<PacketSocket>>> taps;
    if (options.capture)
        for (auto e : topo->local_endpoints())
            for (int link : topo->node(e).links) {
                taps[e].push_back(std::make_unique<PacketSocket>(topo->node(e).ns, link));
                taps[e].back()->reserve_buffer(8 << 20);
            }
    result.addresses = topo->addresses();
    result.cells = probe_cells(*topo, cells, options, &busy);
    for (auto& [e, sockets] : taps)
        for (auto& tap : sockets)
            for (auto& frame : tap->drain()) result.captures[e].push_back(std::move(frame));
    topo->take_wire_losses();  // the last frames count too
    result.frames_lost = topo->frames_lost_on_wire();
    if (options.keep_topologies)
        result.kept = std::move(topo);
    else
        topo.reset();  // closes the namespaces; the kernel deletes every link in them
    result.seconds = seconds_since(start);
    return result;
}

}  // namespace

std::map<CellId, CellObservation> probe_cells(Topology& topo, const std::vector<CellId>& cells,
                                              const CampaignOptions& options) {
    return probe_cells(topo, cells, options, nullptr);
}

std::map<CellId, CellObservation> probe_cells(Topology& topo, const std::vector<CellId>& cells,
                                              const CampaignOptions& options, QuietTurns::Busy* busy) {
    std::vector<Family> families;
    for (const auto& c : cells)
        if (std::find(families.begin(), families.end(), c.family) == families.end()) families.push_back(c.family);
    const auto& spec = topo.spec();

    // Each stage observes its own condition and gets the whole budget: on a slow kernel one that
    // lags (LACP, addrconf's work) must not leave the next none.
    auto confirm_ready = [&] {
        std::map<Family, std::string> problems;
        try {
            topo.wait_until_links_ready(Clock::now() + options.ready_timeout);
            topo.wait_until_addresses_usable(options.ready_timeout);
            problems = check_controls(topo, families, options.ready_timeout);
        } catch (const NotReady& e) {
            for (auto f : families) problems[f] = e.what();
        }
        return problems;
    };
    const bool others_were_busy = busy && busy->others_busy();
    std::map<Family, std::string> untrusted = confirm_ready();
    // Not ready while other topologies were busy: once more with the machine to itself, and the
    // probes too (QuietTurns says why a verdict may need that).
    std::optional<QuietTurns::Turn> turn;
    if (!untrusted.empty() && busy && (others_were_busy || busy->others_busy()) && busy->turns().quiet_may_help()) {
        turn.emplace(busy->turns());
        if (busy->turns().quiet_may_help()) {  // again: others may have failed alone meanwhile
            untrusted = confirm_ready();
            if (!untrusted.empty()) busy->turns().failed_alone();
            for (auto& [f, p] : untrusted) p += " (also when no other topology was running)";
        }
        if (!untrusted.empty()) turn.reset();  // nothing left to keep quiet for: its cells are untrusted
    }

    // The pacers: the control paths once more, from cold caches on addresses of their own, beside
    // the cells of every wave. How long they take then sets how long that wave's window stays open.
    // One per kind of path is enough (a large topology has a control per endpoint).
    std::vector<EchoControl> pacers;
    std::set<std::pair<std::string, std::string>> kinds;
    auto kind = [&](const Endpoint& e) { return spec.slave(e) ? spec.slave(e)->mode_name() : e; };
    for (const auto& c : spec.controls)
        if (kinds.insert({kind(c.from), kind(c.to)}).second) pacers.push_back(c);

    // Waves: as many cells at once as the neighbour budget allows, with every entry the wave made
    // forgotten before the next (so every cell, and every wave's pacers, start from cold caches).
    std::map<Family, std::vector<size_t>> by_family;
    for (size_t i = 0; i < cells.size(); ++i) by_family[cells[i].family].push_back(i);
    std::map<Family, size_t> per_wave;
    for (auto& [f, indices] : by_family) per_wave[f] = wave_size(topo, f, pacers.size());
    EchoSchedule schedule = options.cells;
    schedule.longest = std::max(schedule.longest, options.ready_timeout);

    struct Seen {
        EchoResult result;
        EchoWindow window;
        std::string lost_pacer;
        std::string lost_frames;  // the wire lost frames of its exchange (or of its pacer) in its last try
    };
    std::vector<Seen> seen(cells.size());
    // Cells still to probe, per family, in order. A wave in which the parent dropped frames (its
    // broadcast queue overflowed: macvlan_broadcast_enqueue counts rx_dropped), or after which the
    // queue was still delivering, proves nothing about the cells that saw no reply: they go back,
    // into waves half as large, once the queue has drained, up to kRetries times.
    constexpr int kRetries = 6;
    // A silence is trusted on its first wave only when the window was kSilenceMargin times as long
    // as the slowest reply seen in it; otherwise the kernel is slow right now, and the silent cells
    // get one more wave, with a window at least that long, before they count as blocked (a reply
    // in either proves the path). Under a loaded TCG guest, replies of one path class were seen
    // arriving at 265 ms while the pacers answered at 130 ms, and a reachable cell stayed silent
    // through a 300 ms window whose pacers had answered at 63 ms.
    std::vector<bool> confirmed(cells.size(), false);
    std::map<Family, std::deque<size_t>> pending;
    for (auto& [f, indices] : by_family) pending[f].assign(indices.begin(), indices.end());
    std::vector<int> retries(cells.size(), 0);
    auto parent_drops = [&] { return topo.node(kHost).rtnl->link(topo.parent_ifindex()).rx_dropped; };
    auto any_pending = [&] {
        return std::any_of(pending.begin(), pending.end(), [](const auto& p) { return !p.second.empty(); });
    };
    while (any_pending()) {
        std::vector<size_t> members;
        std::vector<EndpointProbe> probes;
        std::vector<std::unique_ptr<NeighbourBudget::Lease>> leases;
        std::vector<Family> wave_families;
        for (auto& [f, queue] : pending) {
            if (queue.empty()) continue;
            const size_t take = std::min(queue.size(), per_wave[f]);
            leases.push_back(std::make_unique<NeighbourBudget::Lease>(f, static_cast<unsigned>(entries_per_probe(f) * (take + pacers.size()))));
            wave_families.push_back(f);
            for (size_t k = 0; k < take; ++k) {
                const auto& c = cells[queue.front()];
                const auto pair = topo.addresses().cell(c.from, c.to, c.family);
                probes.push_back({c.from, pair.source, pair.destination});
                members.push_back(queue.front());
                queue.pop_front();
            }
        }
        const size_t first_pacer = probes.size();
        for (auto f : wave_families)
            for (const auto& c : pacers) probes.push_back({c.from, topo.addresses().pacer(c.from, f), topo.addresses().pacer(c.to, f), true});
        const auto drops_before = parent_drops();
        topo.take_wire_losses();  // what earlier waves lost is theirs
        EchoWindow window;
        const auto outcomes = run_probes(topo, probes, schedule, &window);
        const auto dropped = parent_drops() - drops_before;
        const auto wire_lost = topo.take_wire_losses();
        const bool any_silent = std::any_of(outcomes.begin(), outcomes.begin() + static_cast<std::ptrdiff_t>(members.size()),
                                            [](const auto& o) { return !o.replied; });
        const bool congested = dropped > 0 || (any_silent && broadcast_queue_still_delivering(topo));
        // (A wave that lost a pacer proves nothing either way: its cells are untrusted already.)
        const auto trusted_silence = std::chrono::duration_cast<std::chrono::milliseconds>(window.slowest_reply * defaults::kSilenceMargin);
        const bool doubtful = window.pacers_replied && trusted_silence > window.used;
        std::map<Family, std::string> lost;
        std::set<Family> pacer_lost_on_wire;
        for (size_t i = first_pacer; i < probes.size(); ++i)
            if (!outcomes[i].replied && topo.is_local(probes[i].from)) {
                lost[probes[i].source.family()] = "a pacer (a control path probed beside the cells) got no reply";
                if (lost_on_wire(wire_lost, probes[i])) pacer_lost_on_wire.insert(probes[i].source.family());
            }
        for (size_t k = 0; k < members.size(); ++k) {
            const size_t i = members[k];
            const Family f = cells[i].family;
            // A silence is retried when it proves nothing: the wire lost the cell's frames, or the
            // pacer that set its window (which then says nothing about the kernel's speed).
            const bool frames_lost = lost_on_wire(wire_lost, probes[k]) || pacer_lost_on_wire.count(f);
            if ((congested || frames_lost) && !outcomes[k].replied && retries[i] < kRetries) {
                ++retries[i];
                pending[f].push_back(i);
                continue;
            }
            if (doubtful && !outcomes[k].replied && !confirmed[i]) {
                confirmed[i] = true;
                pending[f].push_back(i);
                continue;
            }
            auto& s = seen[i];
            s.result = outcomes[k];
            s.window = window;
            if (auto it = lost.find(f); it != lost.end()) s.lost_pacer = it->second;
            if (frames_lost && !outcomes[k].replied)
                s.lost_frames = (pacer_lost_on_wire.count(f) && !lost_on_wire(wire_lost, probes[k])
                                     ? "the wire lost frames of the pacer that set its window"
                                     : wire_loss_text(*wire_lost)) +
                                ", in the last of " + std::to_string(kRetries + 1) + " tries";
            if (congested && !outcomes[k].replied)
                s.lost_pacer = dropped > 0 ? "the parent dropped " + std::to_string(dropped) + " frames during its wave (rx_dropped: "
                                             "macvlan's broadcast queue overflowed), in " + std::to_string(kRetries + 1) + " tries"
                                           : "macvlan's broadcast queue was still delivering the wave's frames after its window, in " +
                                                 std::to_string(kRetries + 1) + " tries";
        }
        if (doubtful) schedule.window = std::max({schedule.window, window.used, trusted_silence});
        if (congested) {
            for (auto& [f, n] : per_wave) n = std::max<size_t>(1, n / 2);
            wait_until_broadcast_queue_drains(topo, options.ready_timeout);
        }
        std::set<Endpoint> touched;
        for (const auto& p : probes) touched.insert(p.from);
        for (size_t i : members) touched.insert(cells[i].to);
        for (const auto& c : pacers) touched.insert(c.to);
        topo.forget_neighbours(touched);
    }

    // Controls again: a topology that broke during the windows would otherwise pass as "blocked".
    std::vector<Family> still_trusted;
    for (auto f : families)
        if (!untrusted.count(f)) still_trusted.push_back(f);
    if (!still_trusted.empty())
        for (auto& [f, p] : check_controls(topo, still_trusted, options.ready_timeout))
            untrusted[f] = "after the probes: " + p;

    std::map<CellId, CellObservation> observed;
    for (size_t i = 0; i < cells.size(); ++i) {
        const auto& s = seen[i];
        CellObservation o;
        o.built = true;
        o.observed = s.result.replied ? Reach::reachable : Reach::blocked;
        o.window_ms = static_cast<double>(s.window.used.count());
        o.slowest_pacer_ms = std::chrono::duration<double, std::milli>(s.window.slowest_pacer).count();
        o.seconds = s.result.replied ? std::chrono::duration<double>(s.result.first_reply).count()
                                     : std::chrono::duration<double>(s.window.used).count();
        auto it = untrusted.find(cells[i].family);
        const std::string problem = it != untrusted.end() ? it->second : s.lost_pacer;
        o.trusted = problem.empty() && s.lost_frames.empty() && s.result.failure.empty();
        if (!problem.empty()) o.problem = "topology " + spec.id() + " was not confirmed ready: " + problem;
        else if (!s.lost_frames.empty()) o.problem = s.lost_frames;
        else if (!s.result.failure.empty()) o.problem = "the probe could not run: " + s.result.failure;
        observed[cells[i]] = o;
    }
    return observed;
}

struct ReachabilityCampaign::TopologyRun {
    std::shared_future<TopologyResult> result;
};

ReachabilityCampaign::ReachabilityCampaign(const TopologyCatalog& catalog, CampaignOptions options)
    : catalog_(catalog), options_(options), turns_(std::make_shared<QuietTurns>()) {}

ReachabilityCampaign::~ReachabilityCampaign() { reset(); }

void ReachabilityCampaign::start(const std::vector<CellId>& cells) {
    std::map<std::string, std::vector<CellId>> by_topology;
    for (const auto& c : cells) by_topology[c.topology_id()].push_back(c);
    const unsigned parallel = options_.wires ? options_.wires->max_parallel_topologies() : defaults::kParallelTopologies;
    auto gate = std::make_shared<std::counting_semaphore<>>(std::max(1u, parallel));
    std::lock_guard lock(mutex_);
    for (auto& [id, topology_cells] : by_topology) {
        if (runs_.count(id)) continue;
        const TopologySpec* spec = catalog_.find(topology_cells.front().topology, topology_cells.front().variant);
        if (!spec) throw std::logic_error("no topology " + id);
        auto run = std::make_shared<TopologyRun>();
        run->result = std::async(std::launch::async, [spec, topology_cells = topology_cells, options = options_, gate,
                                                      lost = frames_lost_, turns = turns_] {
                          const GuestSlot guest_place(*spec);  // before the general gate: never held waiting for it
                          gate->acquire();
                          struct Release {
                              std::counting_semaphore<>& g;
                              ~Release() { g.release(); }
                          } release{*gate};
                          try {
                              auto result = run_topology(*spec, topology_cells, options, *turns);
                              *lost += result.frames_lost;
                              return result;
                          } catch (const std::exception& e) {
                              // Never let a harness fault look like a verdict: every cell reports it.
                              TopologyResult failed;
                              for (const auto& c : topology_cells)
                                  failed.cells[c] = {Reach::blocked, 0, false, "topology " + spec->id() + " failed: " + e.what(), false};
                              return failed;
                          }
                      }).share();
        runs_[id] = run;
    }
}

bool ReachabilityCampaign::started() const {
    std::lock_guard lock(mutex_);
    return !runs_.empty();
}

CellObservation ReachabilityCampaign::observe(const CellId& cell) {
    std::shared_ptr<TopologyRun> run;
    {
        std::lock_guard lock(mutex_);
        auto it = runs_.find(cell.topology_id());
        if (it == runs_.end()) throw std::logic_error("cell " + cell.name() + " was never started");
        run = it->second;
    }
    const auto& result = run->result.get();
    auto it = result.cells.find(cell);
    if (it == result.cells.end()) throw std::logic_error("cell " + cell.name() + " was not probed");
    return it->second;
}

double ReachabilityCampaign::topology_seconds(const CellId& cell) {
    std::shared_ptr<TopologyRun> run;
    {
        std::lock_guard lock(mutex_);
        run = runs_.at(cell.topology_id());
    }
    return run->result.get().seconds;
}

std::vector<ReceivedFrame> ReachabilityCampaign::captured(const CellId& cell, const Endpoint& endpoint) {
    std::shared_ptr<TopologyRun> run;
    {
        std::lock_guard lock(mutex_);
        run = runs_.at(cell.topology_id());
    }
    const auto& result = run->result.get();
    auto it = result.captures.find(endpoint);
    if (it == result.captures.end()) return {};
    const auto pair = result.addresses.cell(cell.from, cell.to, cell.family);
    auto concerns_cell = [&](const std::optional<IpAddress>& a) { return a && (*a == pair.source || *a == pair.destination); };
    std::vector<ReceivedFrame> frames;
    for (const auto& f : it->second)
        if (concerns_cell(frame_source_address(f.frame)) || concerns_cell(frame_destination_address(f.frame)))
            frames.push_back(f);
    return frames;
}

std::vector<std::string> ReachabilityCampaign::pin(const CellId& cell, const std::string& prefix) {
    std::shared_ptr<TopologyRun> run;
    {
        std::lock_guard lock(mutex_);
        run = runs_.at(cell.topology_id());
    }
    const auto& kept = run->result.get().kept;
    if (!kept) throw std::logic_error("topology " + cell.topology_id() + " was not kept (keep_topologies is off)");
    std::vector<std::string> names;
    for (const auto& e : kept->local_endpoints()) {
        const std::string name = prefix + "-" + e;
        pin_namespace(kept->node(e).ns, name);
        names.push_back(name);
    }
    return names;
}

void ReachabilityCampaign::reset() {
    std::map<std::string, std::shared_ptr<TopologyRun>> runs;
    {
        std::lock_guard lock(mutex_);
        runs.swap(runs_);
    }
    for (auto& [id, run] : runs) run->result.wait();
    std::lock_guard lock(mutex_);
    turns_ = std::make_shared<QuietTurns>();  // a new start is a new run: its turns start afresh
}

}  // namespace mvc
