// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "echo_probe.hpp"
#include "expectations.hpp"
#include "packet_socket.hpp"
#include "probe_defaults.hpp"
#include "topology_spec.hpp"

namespace mvc {

class WireSource;
class QuietTurns;

struct CampaignOptions {
    EchoSchedule cells;
    std::chrono::milliseconds ready_timeout = defaults::kReadyTimeout;
    unsigned neighbour_retransmit_ms = defaults::kNeighbourRetransmitMs;
    bool break_arp = false;        // --inject-fault arp-ignore
    bool keep_topologies = false;  // --keep-on-failure: hold every topology until the verdicts are in
    bool capture = false;          // --pcap-dir: tap every endpoint interface during the probes
    // Where every topology's parent and ext come from (--parent with --peer or --remote-if), and how
    // many may run at once; nullptr: fresh wires.
    const WireSource* wires = nullptr;
};

// What one cell's probe saw.
struct CellObservation {
    Reach observed = Reach::blocked;
    double seconds = 0;    // from the first request to the verdict
    bool trusted = false;  // controls answered before and after the probes, so "blocked" means blocked
    std::string problem;   // why the topology could not be trusted, or why it could not be built
    bool built = false;    // false: the topology failed before anything could be probed
    // How long the cells' window stayed open, and how long the slowest pacer (a control path probed
    // beside the cells from cold caches) took: a "blocked" is only as good as these two.
    double window_ms = 0;
    double slowest_pacer_ms = 0;  // 0: the topology has no pacer (no echo path to measure)
};

class Topology;

// Probes the cells (all of them at once) in a topology that is already built: links up, controls
// answer, one bounded quiet window, controls answer again. The cells' mode and variant only name
// them; the topology decides what is measured (so a mode changed at runtime is measured as is).
std::map<CellId, CellObservation> probe_cells(Topology& topology, const std::vector<CellId>& cells,
                                              const CampaignOptions& options);

// Measures many reachability cells at once. Each topology (mode × variant) is built in its own
// namespaces, in parallel with the others; inside a topology every selected cell of both families
// is probed at the same time (see AddressPlan for why that keeps cells independent).
//
// Per topology: build → links up (observed via RTNLGRP_LINK) → IPv6 addresses usable → controls
// answer (or, if not while others were busy, again alone: QuietTurns) → all cells probed
// within one bounded quiet window → controls answer again → namespaces closed.
class ReachabilityCampaign {
public:
    ReachabilityCampaign(const TopologyCatalog& catalog, CampaignOptions options);
    ~ReachabilityCampaign();

    // Launches every topology the cells need; returns at once.
    void start(const std::vector<CellId>& cells);
    bool started() const;
    // Waits for the cell's topology to finish and returns what was seen.
    CellObservation observe(const CellId& cell);
    // Seconds the cell's topology took from start to teardown.
    double topology_seconds(const CellId& cell);
    // With `capture`: the frames seen on an endpoint's interfaces during the cell's topology's
    // probes that concern the cell (its two addresses as source, destination, ARP sender or target).
    std::vector<ReceivedFrame> captured(const CellId& cell, const Endpoint& endpoint);
    // With `keep_topologies`: pins the cell's topology's namespaces under /run/netns as
    // <prefix>-<endpoint> and returns the names. The kernel objects then outlive the process.
    std::vector<std::string> pin(const CellId& cell, const std::string& prefix);
    void reset();  // waits for running topologies, forgets all results (and unpinned topologies)
    // Frames --inject-fault loss:N dropped on the wires of every topology finished so far, over
    // every iteration (reset() keeps the count).
    uint64_t frames_lost_on_wires() const { return *frames_lost_; }

private:
    struct TopologyRun;
    const TopologyCatalog& catalog_;
    CampaignOptions options_;
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<TopologyRun>> runs_;  // by topology id
    std::shared_ptr<std::atomic<uint64_t>> frames_lost_ = std::make_shared<std::atomic<uint64_t>>(0);
    std::shared_ptr<QuietTurns> turns_;  // shared with the topologies' threads
};

}  // namespace mvc
