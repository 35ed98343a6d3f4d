// SPDX-License-Identifier: MIT
#include "fixed_address_matrix.hpp"

#include <gtest/gtest.h>

#include "suite_context.hpp"
#include "topology.hpp"

namespace mvc {

const Expectation& expected_reach(const CellId& cell) { return suite_context().expectations.at(cell); }

std::string expectation_source() { return suite_context().expectations.source(); }

namespace {
std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
}
}  // namespace

MatrixMeasurement measure_fixed_address_matrix(const FixedAddressMatrix& matrix, const EchoSchedule& cells,
                                               std::chrono::milliseconds ready_timeout) {
    const TopologySpec& spec = *matrix.spec;
    auto at = [&](const Endpoint& e) -> const MatrixEndpoint& { return matrix.endpoints.at(e); };
    std::vector<EchoProbe> controls;
    std::vector<std::string> control_names;
    std::vector<CellId> round1, round2;
    std::vector<EchoProbe> probes1, probes2;
    for (auto f : matrix.families) {
        for (const auto& c : spec.controls) {
            controls.push_back({at(c.from).ns, at(c.from).address(f), at(c.to).address(f)});
            control_names.push_back(c.from + "->" + c.to + " (" + std::string(to_string(f)) + ")");
        }
        for (const auto& [from, to] : spec.cell_pairs()) {
            const CellId cell{spec.name, spec.variant.name, f, from, to};
            const EchoProbe probe{at(from).ns, at(from).address(f), at(to).address(f)};
            const bool first = from == kHost || from == kExt ||
                               (spec.slaves.size() > 1 && from == spec.slaves[0].name && to == spec.slaves[1].name);
            (first ? round1 : round2).push_back(cell);
            (first ? probes1 : probes2).push_back(probe);
        }
    }
    if (matrix.wait_until_ready) matrix.wait_until_ready();

    auto check_controls = [&](const char* when) {
        const auto r = run_echo_probes(controls, {cells.resend_interval, ready_timeout});
        std::vector<std::string> silent;
        for (size_t i = 0; i < r.size(); ++i)
            if (!r[i].replied) silent.push_back(control_names[i]);
        if (!silent.empty()) throw NotReady(std::string("controls silent ") + when + " the probes: " + joined(silent));
    };
    auto cold_caches = [&] {
        for (const auto& [e, end] : matrix.endpoints) {
            const int ifindex = end.ifindex;
            end.nl->flush_neighbours([ifindex](const IpAddress&, int i) { return i == ifindex; });
        }
    };
    check_controls("before");
    cold_caches();
    const auto started = std::chrono::steady_clock::now();
    const auto results1 = run_echo_probes(probes1, cells);
    cold_caches();
    const auto results2 = run_echo_probes(probes2, cells);
    MatrixMeasurement m;
    m.probe_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    check_controls("after");

    auto judge = [&](const std::vector<CellId>& cell_ids, const std::vector<EchoResult>& results) {
        for (size_t i = 0; i < cell_ids.size(); ++i) {
            const CellId& cell = cell_ids[i];
            const Reach seen = results[i].replied ? Reach::reachable : Reach::blocked;
            const Expectation& expected = expected_reach(cell);
            auto& text = m.observed[cell.family];
            text += std::string(text.empty() ? "" : " ") + cell.from + ">" + cell.to + ":" + std::string(to_string(seen));
            if (seen != expected.expected)
                ADD_FAILURE() << cell.name() << " " << matrix.through << ": expected " << to_string(expected.expected)
                              << ", observed " << to_string(seen) << "\n  expectation (" << expectation_source()
                              << "): " << expected.reason;
        }
    };
    judge(round1, results1);
    judge(round2, results2);
    return m;
}

}  // namespace mvc
