// SPDX-License-Identifier: MIT
// Benchmarks of the harness's hot paths. Needs root (namespaces and links); run:
//   sudo build/bench/bench_harness
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>

#include "echo_probe.hpp"
#include "topology.hpp"

namespace mvc {
namespace {

const TopologyCatalog& catalog() {
    static const TopologyCatalog c = TopologyCatalog::load(std::string(MVC_SOURCE_FIXTURES) + "/topologies/reachability.json");
    return c;
}

bool privileged(benchmark::State& state) {
    if (::geteuid() == 0) return true;
    state.SkipWithError("needs root: builds network namespaces and links");
    return false;
}

// Build a topology, wait until its links are up, tear it down.
void BM_BuildTopology(benchmark::State& state, MacvlanMode mode, const char* variant) {
    if (!privileged(state)) return;
    const TopologySpec* spec = catalog().find(to_string(mode), variant);
    for (auto _ : state) {
        auto t = Topology::build(*spec, {});
        t->wait_until_links_ready(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    }
}
BENCHMARK_CAPTURE(BM_BuildTopology, bridge_plain, MacvlanMode::bridge, "plain")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BuildTopology, vepa_hairpin, MacvlanMode::vepa, "hairpin")->Unit(benchmark::kMillisecond);

// All 24 cells of a fully reachable topology (vepa/hairpin) probed concurrently, caches warm after
// the first iteration: the cost of the probe engine itself, without any quiet window.
void BM_ProbeReachableMatrix(benchmark::State& state) {
    if (!privileged(state)) return;
    auto t = Topology::build(*catalog().find("vepa", "hairpin"), {});
    t->wait_until_links_ready(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    std::vector<EchoProbe> probes;
    for (auto family : {Family::ipv4, Family::ipv6})
        for (const auto& [from, to] : t->spec().cell_pairs()) {
            const auto pair = t->addresses().cell(from, to, family);
            probes.push_back({&t->node(from).ns, pair.source, pair.destination});
        }
    for (auto _ : state) {
        const auto results = run_echo_probes(probes, {std::chrono::milliseconds(20), std::chrono::milliseconds(2000)});
        for (const auto& r : results)
            if (!r.replied) state.SkipWithError("a reachable cell did not answer");
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * probes.size()));
}
BENCHMARK(BM_ProbeReachableMatrix)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mvc

BENCHMARK_MAIN();
