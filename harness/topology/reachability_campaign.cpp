#include "reachability_campaign.hpp"

#include <algorithm>
#include <set>
#include <semaphore>

#include "netns_pin.hpp"
#include "packet_socket.hpp"
#include "external_peer.hpp"
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
};

std::string label(const Endpoint& from, const Endpoint& to, Family family) {
    return from + "->" + to + " (" + std::string(to_string(family)) + ")";
}

struct EndpointProbe {
    Endpoint from;
    IpAddress source, destination;
    bool pacer = false;
};

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

// Echo controls: paths the topology guarantees, on their own addresses. Returns, per family, why
// the family cannot be trusted ("" when every control answered).
std::map<Family, std::string> check_echo_controls(Topology& topo, const std::vector<Family>& families,
                                                  Clock::time_point deadline) {
    std::map<Family, std::string> problems;
    std::vector<EndpointProbe> probes;
    std::vector<std::pair<Family, std::string>> labels;
    for (auto f : families)
        for (const auto& c : topo.spec().controls) {
            probes.push_back({c.from, topo.addresses().control(c.from, f), topo.addresses().control(c.to, f)});
            labels.emplace_back(f, label(c.from, c.to, f));
        }
    if (probes.empty()) return problems;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const auto results = run_probes(topo, probes, {std::chrono::milliseconds(10), std::max(left, std::chrono::milliseconds(1))});
    for (size_t i = 0; i < results.size(); ++i)
        if (!results[i].replied) {
            auto& p = problems[labels[i].first];
            p += (p.empty() ? "positive control " : ", ") + labels[i].second +
                 (results[i].failure.empty() ? "" : " (" + results[i].failure + ")");
        }
    for (auto& [f, p] : problems) p += " got no echo reply";
    return problems;
}

// Transmit controls, for a parent without a wire: each endpoint's ARP/ND for an address nobody owns
// must be seen leaving on the parent. That proves every transmit path is live, which is all a
// "blocked" verdict on a wire-less parent rests on.
std::map<Family, std::string> check_transmit_controls(Topology& topo, const std::vector<Family>& families,
                                                      Clock::time_point deadline) {
    std::map<Family, std::string> problems;
    const auto& spec = topo.spec();
    if (spec.transmit_controls.empty()) return problems;
    PacketSocket tap(topo.node(kHost).ns, topo.parent_ifindex());
    std::vector<std::pair<Endpoint, Family>> pending;
    for (auto f : families)
        for (const auto& e : spec.transmit_controls)
            if (topo.is_local(e)) pending.emplace_back(e, f);
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
    return problems;
}

std::map<Family, std::string> check_controls(Topology& topo, const std::vector<Family>& families,
                                             Clock::time_point deadline) {
    auto problems = check_echo_controls(topo, families, deadline);
    for (auto& [f, p] : check_transmit_controls(topo, families, deadline))
        problems[f] += (problems[f].empty() ? "" : "; ") + p;
    return problems;
}

}  // namespace

std::map<CellId, CellObservation> probe_cells(Topology& topo, const std::vector<CellId>& cells,
                                              const CampaignOptions& options);

namespace {

TopologyResult run_topology(const TopologySpec& spec, const std::vector<CellId>& cells, const CampaignOptions& options) {
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
    result.cells = probe_cells(*topo, cells, options);
    for (auto& [e, sockets] : taps)
        for (auto& tap : sockets)
            for (auto& frame : tap->drain()) result.captures[e].push_back(std::move(frame));
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
    std::vector<Family> families;
    for (const auto& c : cells)
        if (std::find(families.begin(), families.end(), c.family) == families.end()) families.push_back(c.family);

    std::map<Family, std::string> untrusted;
    const auto ready_deadline = Clock::now() + options.ready_timeout;
    try {
        topo.wait_until_links_ready(ready_deadline);
        untrusted = check_controls(topo, families, ready_deadline);
    } catch (const NotReady& e) {
        for (auto f : families) untrusted[f] = e.what();
    }

    std::vector<EndpointProbe> probes;
    for (const auto& c : cells) {
        const auto pair = topo.addresses().cell(c.from, c.to, c.family);
        probes.push_back({c.from, pair.source, pair.destination});
    }
    // The pacers: the control paths once more, from cold caches on addresses of their own, beside
    // the cells. How long they take now sets how long the cells' window stays open.
    for (auto f : families)
        for (const auto& c : topo.spec().controls)
            probes.push_back({c.from, topo.addresses().pacer(c.from, f), topo.addresses().pacer(c.to, f), true});
    EchoSchedule schedule = options.cells;
    schedule.longest = std::max(schedule.longest, options.ready_timeout);
    EchoWindow window;
    const auto outcomes = run_probes(topo, probes, schedule, &window);
    std::map<Family, std::string> pacers_lost;
    for (size_t i = cells.size(); i < probes.size(); ++i)
        if (!outcomes[i].replied && topo.is_local(probes[i].from))
            pacers_lost[probes[i].source.family()] = "a pacer (a control path probed beside the cells) got no reply";

    // Controls again: a topology that broke during the window would otherwise pass as "blocked".
    std::vector<Family> still_trusted;
    for (auto f : families)
        if (!untrusted.count(f)) still_trusted.push_back(f);
    if (!still_trusted.empty())
        for (auto& [f, p] : check_controls(topo, still_trusted, Clock::now() + options.ready_timeout))
            untrusted[f] = "after the probes: " + p;

    for (auto& [f, p] : pacers_lost)
        if (!untrusted.count(f)) untrusted[f] = p;

    std::map<CellId, CellObservation> observed;
    for (size_t i = 0; i < cells.size(); ++i) {
        CellObservation o;
        o.built = true;
        o.observed = outcomes[i].replied ? Reach::reachable : Reach::blocked;
        o.window_ms = static_cast<double>(window.used.count());
        o.slowest_pacer_ms = std::chrono::duration<double, std::milli>(window.slowest_pacer).count();
        o.seconds = outcomes[i].replied ? std::chrono::duration<double>(outcomes[i].first_reply).count()
                                        : std::chrono::duration<double>(window.used).count();
        auto it = untrusted.find(cells[i].family);
        o.trusted = it == untrusted.end() && outcomes[i].failure.empty();
        if (it != untrusted.end()) o.problem = "topology " + topo.spec().id() + " was not confirmed ready: " + it->second;
        else if (!outcomes[i].failure.empty()) o.problem = "the probe could not run: " + outcomes[i].failure;
        observed[cells[i]] = o;
    }
    return observed;
}

struct ReachabilityCampaign::TopologyRun {
    std::shared_future<TopologyResult> result;
};

ReachabilityCampaign::ReachabilityCampaign(const TopologyCatalog& catalog, CampaignOptions options)
    : catalog_(catalog), options_(options) {}

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
        run->result = std::async(std::launch::async, [spec, topology_cells = topology_cells, options = options_, gate] {
                          gate->acquire();
                          struct Release {
                              std::counting_semaphore<>& g;
                              ~Release() { g.release(); }
                          } release{*gate};
                          try {
                              return run_topology(*spec, topology_cells, options);
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
}

}  // namespace mvc
