#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "capabilities.hpp"
#include "expectations.hpp"
#include "reachability_campaign.hpp"
#include "topology_spec.hpp"

namespace mvc {

class ReportCollector;

// What every conformance test needs, set up once by main before the tests run.
struct SuiteContext {
    TopologyCatalog catalog;
    ExpectationSet expectations;
    Capabilities capabilities;
    std::unique_ptr<ReachabilityCampaign> campaign;
    ReportCollector* collector = nullptr;
    std::map<std::string, CellId> cells_by_name;  // every registered reachability test

    // Why this cell cannot run on this machine, or "" when it can.
    std::string skip_reason(const CellId& cell) const;
    // The registered cells GoogleTest will run in this iteration (after its own filter).
    std::vector<CellId> cells_to_run() const;
};

}  // namespace mvc
