// SPDX-License-Identifier: MIT
#include "failure_aids.hpp"

#include <algorithm>
#include <set>

#include "kept_namespaces.hpp"
#include "pcap_file.hpp"

namespace mvc {

std::vector<CellId> failed_cells(const RunReport& report, const SuiteContext& context) {
    std::vector<CellId> out;
    for (const auto& t : report.tests) {
        if (t.verdict != Verdict::fail) continue;
        const CellId* cell = context.reachability_cells.find(t.name.substr(0, t.name.find('#')));
        if (cell && std::find(out.begin(), out.end(), *cell) == out.end())
            out.push_back(*cell);
    }
    return out;
}

void write_failure_captures(ReachabilityCampaign& campaign, const std::vector<CellId>& cells,
                            const std::filesystem::path& dir, std::ostream& out) {
    if (cells.empty()) return;
    std::filesystem::create_directories(dir);
    out << "\ncaptures of the failed cells:\n";
    for (const auto& cell : cells)
        for (const auto& endpoint : {cell.from, cell.to}) {
            const auto file = dir / (cell.name() + "." + endpoint + ".pcap");
            const auto frames = campaign.captured(cell, endpoint);
            write_pcap(file, frames);
            out << "  " << file.string() << " (" << frames.size() << " frames)\n";
        }
}

void keep_failing_topologies(ReachabilityCampaign& campaign, const std::vector<CellId>& cells, std::ostream& out) {
    std::set<std::string> kept;
    for (const auto& cell : cells) {
        if (!kept.insert(cell.topology_id()).second) continue;
        std::string failed;
        for (const auto& c : cells)
            if (c.topology_id() == cell.topology_id()) failed += (failed.empty() ? "" : ", ") + c.name();
        const auto names = campaign.pin(cell, kept_namespace_prefix(cell.topology_id()));
        out << "\nkept the failing topology " << cell.topology_id() << " (failed: " << failed << "):\n";
        print_kept_namespace_commands(names, out);
    }
}

}  // namespace mvc
