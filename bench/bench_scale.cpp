// SPDX-License-Identifier: MIT
// The harness's own cost as the topology grows (issues 13 and 17), each phase timed on its own:
//   BM_BuildTeardown/N   N bridge-mode slaves on one parent (ext-1000.json with N slaves): build
//                        until every link is up, then teardown by closing the namespaces, timed
//                        until the kernel has really deleted the links (observed from ext)
//   BM_DeleteOneByOne/N  the same build, then every slave deleted with its own RTM_DELLINK: the
//                        kernel's per-link cost that closing the namespaces batches
//   BM_ProbeMatrix/N     N slaves cycling bridge, vepa, private, source on a hairpin parent
//                        (mixed-64.json with N slaves): build, every ordered pair in both
//                        families probed as the suite probes it, teardown
// Each reports the phases, the process's resident memory with the topology built, and its peak.
// Needs root; run with repetitions so medians and spread are quoted, never one number:
//   sudo unshare --net build/bench/bench_scale --benchmark_repetitions=3 --benchmark_out=scale.json
//   bench/plot_scale.py scale.json docs/scale.svg
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "delivery_rules.hpp"
#include "link_events.hpp"
#include "neighbour_budget.hpp"
#include "reachability_campaign.hpp"
#include "topology.hpp"

namespace mvc {
namespace {

using Clock = std::chrono::steady_clock;

const DeliveryRules& rules() {
    static const DeliveryRules r = DeliveryRules::load(std::string(MVC_SOURCE_FIXTURES) + "/rules/delivery.json");
    return r;
}

// A shipped scale topology with its slave count replaced by `slaves`: written to a temporary file
// and loaded as a user's --topology is, its controls derived as a run derives them.
const TopologySpec& scale_topology(const char* file, int slaves) {
    static std::map<std::pair<std::string, int>, TopologyCatalog> loaded;
    const auto key = std::make_pair(std::string(file), slaves);
    auto it = loaded.find(key);
    if (it == loaded.end()) {
        auto doc = nlohmann::json::parse(std::ifstream(std::string(MVC_SOURCE_FIXTURES) + "/topologies/scale/" + file));
        doc["slaves"][0]["count"] = slaves;
        doc["name"] = doc["name"].get<std::string>() + "_n" + std::to_string(slaves);
        const auto path = std::filesystem::temp_directory_path() /
                          ("mvc-bench-scale-" + std::to_string(::getpid()) + "-" + std::to_string(slaves) + ".json");
        std::ofstream(path) << doc.dump();
        auto catalog = TopologyCatalog::load_user_topology(path);
        std::filesystem::remove(path);
        catalog.derive_controls(rules(), path);
        it = loaded.emplace(key, std::move(catalog)).first;
    }
    return it->second.topologies().front();
}

std::vector<CellId> every_cell(const TopologySpec& spec) {
    std::vector<CellId> cells;
    for (auto family : {Family::ipv4, Family::ipv6})
        for (const auto& [from, to] : spec.cell_pairs()) cells.push_back({spec.name, spec.variant.name, family, from, to});
    return cells;
}

bool privileged(benchmark::State& state) {
    if (::geteuid() == 0) return true;
    state.SkipWithError("needs root: builds network namespaces and links");
    return false;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double resident_mib() {
    std::ifstream statm("/proc/self/statm");
    long size = 0, resident = 0;
    statm >> size >> resident;
    return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double peak_resident_mib() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

std::unique_ptr<Topology> build(const TopologySpec& spec) {
    CampaignOptions options;
    auto topo = Topology::build(spec, {{{Family::ipv4, Family::ipv6}, options.neighbour_retransmit_ms, false}, nullptr});
    topo->wait_until_links_ready(Clock::now() + std::chrono::seconds(120));
    return topo;
}

// Closes the topology and waits until the kernel has deleted its parent, seen from a second
// descriptor of ext's namespace: the veth's far end goes when the parent's namespace is
// dismantled (cleanup_net), in the same batch that unregisters the slaves stacked on it.
void close_and_wait(std::unique_ptr<Topology>& topo, double& close_s, double& kernel_s) {
    const NetNamespace ext = topo->ext()->local()->ns.clone();
    const int peer = topo->ext()->local()->links.front();
    Rtnl ext_nl(ext);
    LinkEvents events(ext);
    const auto t0 = Clock::now();
    topo.reset();
    const auto t1 = Clock::now();
    if (!events.wait_until([&] { return !ext_nl.find_link(peer); }, std::chrono::seconds(300)))
        throw std::runtime_error("the parent's veth was still there 300 s after its namespace was closed");
    close_s = seconds(t1 - t0);
    kernel_s = seconds(Clock::now() - t1);
}

void BM_BuildTeardown(benchmark::State& state) {
    if (!privileged(state)) return;
    const auto& spec = scale_topology("ext-1000.json", static_cast<int>(state.range(0)));
    double build_s = 0, close_s = 0, kernel_s = 0, rss = 0;
    for (auto _ : state) {
        const auto t0 = Clock::now();
        auto topo = build(spec);
        build_s += seconds(Clock::now() - t0);
        rss = resident_mib();
        double c = 0, k = 0;
        close_and_wait(topo, c, k);
        close_s += c;
        kernel_s += k;
        state.SetIterationTime(seconds(Clock::now() - t0));
    }
    const auto n = static_cast<double>(state.iterations());
    state.counters["slaves"] = static_cast<double>(state.range(0));
    state.counters["build_s"] = build_s / n;
    state.counters["teardown_close_s"] = close_s / n;
    state.counters["teardown_kernel_s"] = kernel_s / n;
    state.counters["build_ms_per_slave"] = 1000 * build_s / n / static_cast<double>(state.range(0));
    state.counters["rss_built_mib"] = rss;
    state.counters["peak_rss_mib"] = peak_resident_mib();
}
BENCHMARK(BM_BuildTeardown)->Arg(1)->Arg(8)->Arg(64)->Arg(512)->Arg(1000)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

void BM_DeleteOneByOne(benchmark::State& state) {
    if (!privileged(state)) return;
    const auto& spec = scale_topology("ext-1000.json", static_cast<int>(state.range(0)));
    double delete_s = 0;
    for (auto _ : state) {
        auto topo = build(spec);
        const auto t0 = Clock::now();
        for (const auto& slave : spec.slaves) {
            EndpointNode& node = topo->node(slave.name);
            node.rtnl->delete_link(node.links.front());  // synchronous: returns when unregistered
        }
        const auto t1 = Clock::now();
        delete_s += seconds(t1 - t0);
        state.SetIterationTime(seconds(t1 - t0));
        double c = 0, k = 0;
        close_and_wait(topo, c, k);
    }
    state.counters["slaves"] = static_cast<double>(state.range(0));
    state.counters["delete_s"] = delete_s / static_cast<double>(state.iterations());
    state.counters["delete_ms_per_link"] = 1000 * delete_s / static_cast<double>(state.iterations()) / static_cast<double>(state.range(0));
}
BENCHMARK(BM_DeleteOneByOne)->Arg(8)->Arg(64)->Arg(512)->Arg(1000)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

// Build, links up, every cell probed as the suite probes it (controls, waves within the neighbour
// budget, pacers, controls again), teardown until the kernel is done.
void BM_ProbeMatrix(benchmark::State& state) {
    if (!privileged(state)) return;
    NeighbourBudget::set_limits(NeighbourBudget::read_limits());
    const auto& spec = scale_topology("mixed-64.json", static_cast<int>(state.range(0)));
    const auto cells = every_cell(spec);
    CampaignOptions options;
    double build_s = 0, probe_s = 0, kernel_s = 0, rss = 0;
    for (auto _ : state) {
        const auto t0 = Clock::now();
        auto topo = build(spec);
        const auto t1 = Clock::now();
        const auto observed = probe_cells(*topo, cells, options);
        const auto t2 = Clock::now();
        rss = resident_mib();
        double c = 0, k = 0;
        close_and_wait(topo, c, k);
        for (const auto& [cell, o] : observed)
            if (!o.trusted) {
                state.SkipWithError(("an untrusted cell: " + o.problem).c_str());
                return;
            }
        build_s += seconds(t1 - t0);
        probe_s += seconds(t2 - t1);
        kernel_s += k;
        state.SetIterationTime(seconds(t2 - t0));
    }
    const auto n = static_cast<double>(state.iterations());
    const auto count = static_cast<double>(cells.size());
    state.counters["slaves"] = static_cast<double>(state.range(0));
    state.counters["cells"] = count;
    state.counters["build_s"] = build_s / n;
    state.counters["probe_s"] = probe_s / n;
    state.counters["teardown_kernel_s"] = kernel_s / n;
    state.counters["probe_ms_per_cell"] = 1000 * probe_s / n / count;
    state.counters["rss_built_mib"] = rss;
    state.counters["peak_rss_mib"] = peak_resident_mib();
}
BENCHMARK(BM_ProbeMatrix)->Arg(2)->Arg(8)->Arg(32)->Arg(64)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

// The 1000-slave topology probed to and from ext (4,004 cells), as "At scale" in the README.
void BM_Ext1000ToAndFromExt(benchmark::State& state) {
    if (!privileged(state)) return;
    NeighbourBudget::set_limits(NeighbourBudget::read_limits());
    const auto& spec = scale_topology("ext-1000.json", 1000);
    const auto cells = every_cell(spec);
    double probe_s = 0;
    for (auto _ : state) {
        const auto t0 = Clock::now();
        auto topo = build(spec);
        const auto t1 = Clock::now();
        const auto observed = probe_cells(*topo, cells, CampaignOptions{});
        probe_s += seconds(Clock::now() - t1);
        state.SetIterationTime(seconds(Clock::now() - t0));
        for (const auto& [cell, o] : observed)
            if (!o.trusted) {
                state.SkipWithError(("an untrusted cell: " + o.problem).c_str());
                return;
            }
    }
    state.counters["cells"] = static_cast<double>(cells.size());
    state.counters["probe_s"] = probe_s / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Ext1000ToAndFromExt)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace mvc

BENCHMARK_MAIN();
