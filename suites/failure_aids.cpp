#include "failure_aids.hpp"

#include <unistd.h>

#include <algorithm>
#include <set>

#include "netns_pin.hpp"
#include "pcap_file.hpp"

namespace mvc {

namespace {

std::string prefix_for(const std::string& what) {
    std::string safe;
    for (char c : what) safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '-';
    return "mvc" + std::to_string(::getpid()) + "-" + safe;  // the pid keeps names unique across runs
}

void print_commands(const std::vector<std::string>& names, std::ostream& out) {
    for (const auto& n : names) out << "  ip netns exec " << n << " ip -d address show\n";
    out << "  remove it all: for ns in";
    for (const auto& n : names) out << " " << n;
    out << "; do ip netns del \"$ns\"; done\n";
}

}  // namespace

std::vector<CellId> failed_cells(const RunReport& report, const SuiteContext& context) {
    std::vector<CellId> out;
    for (const auto& t : report.tests) {
        if (t.verdict != Verdict::fail) continue;
        auto it = context.cells_by_name.find(t.name.substr(0, t.name.find('#')));
        if (it != context.cells_by_name.end() && std::find(out.begin(), out.end(), it->second) == out.end())
            out.push_back(it->second);
    }
    return out;
}

void write_failure_captures(ReachabilityCampaign& campaign, const std::vector<CellId>& cells,
                            const std::filesystem::path& dir, std::ostream& out) {
    if (cells.empty()) return;
    std::filesystem::create_directories(dir);
    out << "\ncaptures of the failed cells:\n";
    for (const auto& cell : cells)
        for (auto endpoint : {cell.from, cell.to}) {
            const auto file = dir / (cell.name() + "." + std::string(to_string(endpoint)) + ".pcap");
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
        const auto names = campaign.pin(cell, prefix_for(cell.topology_id()));
        out << "\nkept the failing topology " << cell.topology_id() << " (failed: " << failed << "):\n";
        print_commands(names, out);
    }
}

void keep_namespaces(const std::string& test_name, const std::vector<std::pair<std::string, const NetNamespace*>>& namespaces,
                     std::ostream& out) {
    if (namespaces.empty()) return;
    std::vector<std::string> names;
    for (const auto& [label, ns] : namespaces) {
        names.push_back(prefix_for(test_name) + "-" + label);
        pin_namespace(*ns, names.back());
    }
    out << "\nkept the namespaces of the failed test " << test_name << ":\n";
    print_commands(names, out);
}

}  // namespace mvc
