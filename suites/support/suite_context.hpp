// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "capabilities.hpp"
#include "expectations.hpp"
#include "matrix.hpp"
#include "net_namespace.hpp"
#include "reachability_campaign.hpp"
#include "topology_spec.hpp"

namespace mvc {

class ReportCollector;
class WireSource;

// What every conformance test needs, set up once by main before the tests run.
struct SuiteContext {
    TopologyCatalog catalog;
    DeliveryRules rules;         // fixtures/rules/delivery.json
    ExpectationSet expectations;  // derived from the rules, and any --expectations overrides
    Capabilities capabilities;
    std::unique_ptr<ReachabilityCampaign> campaign;
    ReportCollector* collector = nullptr;
    std::filesystem::path fixtures_dir;           // topologies/ and expectations/
    MatrixRegistry<CellId> reachability_cells;  // every registered reachability test
    // Every test registered from fixture data (reachability cells, broadcast cells, ...). These are
    // registered only when the selection (--mode/--variant/--family/--filter) keeps them.
    std::set<std::string> data_driven_tests;
    bool keep_on_failure = false;
    // How long a probe waits (--quiet-window-ms), for suites that probe outside the campaign, and
    // how long a topology may take to prove it is ready (--ready-timeout-ms).
    EchoSchedule cell_schedule;
    std::chrono::milliseconds ready_timeout = defaults::kReadyTimeout;
    // The namespace the process started in (normally the machine's own). Only suites that must
    // work there, such as Docker's (dockerd lives there), may use it, and only on objects they
    // create themselves. Empty when the sandbox could not be entered.
    std::optional<NetNamespace> machine_namespace;
    bool rootless = false;            // running in a user namespace of our own (no root)
    std::string lent_parent;          // --parent, when the user lent an interface
    // Where topologies get their parent and ext, when not from fresh wires: the lent interfaces
    // while the run holds them, or fresh wires with a slow cable (--inject-fault delay:MS).
    const WireSource* wires = nullptr;
    std::ostream* console = nullptr;  // where notices for the user go (stdout, or stderr under --ktap)

    // Where topologies get their parent and ext: the lent interfaces, or fresh veth pairs.
    const WireSource& wire_source() const;
    // Why this cell cannot run on this machine, or "" when it can.
    std::string skip_reason(const CellId& cell) const;
    std::string skip_reason(const TopologySpec& topology, Family family) const;
    // The registered cells GoogleTest will run in this iteration (after its own filter).
    std::vector<CellId> cells_to_run() const;
};

// The one context of this run, for tests GoogleTest constructs itself (TEST_F suites).
SuiteContext& suite_context();
void set_suite_context(SuiteContext* context);

}  // namespace mvc
