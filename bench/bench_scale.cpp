// SPDX-License-Identifier: MIT
// The scale topologies (issue 13): the 64-slave mixed matrix end to end, and a 1000-slave parent's
// build, probe and teardown, each phase timed on its own. Needs root; run with repetitions so the
// medians and their spread are what is quoted, never one number from a noisy VM:
//   sudo build/bench/bench_scale --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>

#include "delivery_rules.hpp"
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

// A scale file's one topology, its controls derived as a run derives them.
const TopologySpec& scale_topology(const char* file) {
    static std::map<std::string, TopologyCatalog> loaded;
    auto it = loaded.find(file);
    if (it == loaded.end()) {
        const std::string path = std::string(MVC_SOURCE_FIXTURES) + "/topologies/scale/" + file;
        auto catalog = TopologyCatalog::load_user_topology(path);
        catalog.derive_controls(rules(), path);
        it = loaded.emplace(file, std::move(catalog)).first;
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

// Build, links up, every cell probed as the suite probes it (controls, waves within the neighbour
// budget, pacers, controls again), teardown. Reports the three phases and the cost per cell.
void measure(benchmark::State& state, const TopologySpec& spec) {
    if (!privileged(state)) return;
    NeighbourBudget::set_limits(NeighbourBudget::read_limits());
    const auto cells = every_cell(spec);
    CampaignOptions options;
    double build = 0, probe = 0, teardown = 0;
    for (auto _ : state) {
        const auto t0 = Clock::now();
        auto topo = Topology::build(spec, {{{Family::ipv4, Family::ipv6}, options.neighbour_retransmit_ms, false}, nullptr});
        topo->wait_until_links_ready(Clock::now() + options.ready_timeout);
        const auto t1 = Clock::now();
        const auto observed = probe_cells(*topo, cells, options);
        const auto t2 = Clock::now();
        topo.reset();  // closes the namespaces; the kernel deletes every link in them
        const auto t3 = Clock::now();
        for (const auto& [cell, o] : observed)
            if (!o.trusted) {
                state.SkipWithError(("an untrusted cell: " + o.problem).c_str());
                return;
            }
        build += seconds(t1 - t0);
        probe += seconds(t2 - t1);
        teardown += seconds(t3 - t2);
        state.SetIterationTime(seconds(t3 - t0));
    }
    const auto n = static_cast<double>(state.iterations());
    state.counters["build_s"] = build / n;
    state.counters["probe_s"] = probe / n;
    state.counters["teardown_s"] = teardown / n;
    state.counters["cells"] = static_cast<double>(cells.size());
    state.counters["probe_ms_per_cell"] = 1000 * probe / n / static_cast<double>(cells.size());
    state.counters["total_ms_per_cell"] = 1000 * (build + probe + teardown) / n / static_cast<double>(cells.size());
}

void BM_Mixed64EveryPair(benchmark::State& state) { measure(state, scale_topology("mixed-64.json")); }
BENCHMARK(BM_Mixed64EveryPair)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

void BM_Ext1000ToAndFromExt(benchmark::State& state) { measure(state, scale_topology("ext-1000.json")); }
BENCHMARK(BM_Ext1000ToAndFromExt)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace mvc

BENCHMARK_MAIN();
