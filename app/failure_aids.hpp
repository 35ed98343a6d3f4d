// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "net_namespace.hpp"
#include "run_report.hpp"
#include "suite_context.hpp"

namespace mvc {

// Debugging aids for a failed run: --pcap-dir and --keep-on-failure.

// The reachability cells that failed in the last iteration.
std::vector<CellId> failed_cells(const RunReport& report, const SuiteContext& context);

// Writes <dir>/<cell>.<endpoint>.pcap for both endpoints of every failed cell and lists them.
void write_failure_captures(ReachabilityCampaign& campaign, const std::vector<CellId>& cells,
                            const std::filesystem::path& dir, std::ostream& out);

// Pins the namespaces of every topology with a failed cell and prints how to inspect and remove
// them. Topologies without failures are not kept.
void keep_failing_topologies(ReachabilityCampaign& campaign, const std::vector<CellId>& cells, std::ostream& out);

}  // namespace mvc
