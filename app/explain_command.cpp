// SPDX-License-Identifier: MIT
// `macvlan-conformance explain`: what will my containers be able to reach? The matrix the delivery
// rules predict for a topology, and for each cell the frames its echo exchange needs, whether each
// arrives, and the rule (with its kernel function) that decides it. Nothing is built.
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "fixture_error.hpp"
#include "reachability_model.hpp"

namespace mvc {

namespace {

constexpr size_t kChainsUnasked = 200;  // cells; beyond that the chains need --from or --to

std::string describe_variant(const VariantSpec& v) {
    const std::string parent = v.parent == ParentKind::dummy ? "a dummy parent (no wire)"
                               : v.parent == ParentKind::vlan ? "a VLAN parent"
                               : v.parent == ParentKind::veth ? "a veth parent"
                                                              : "a " + v.parent_label() + " parent";
    const std::string far = v.external == ExternalKind::hairpin_bridge ? ", the far end reflects frames (hairpin)"
                            : v.external == ExternalKind::plain        ? ", an ordinary peer at the far end"
                                                                       : "";
    return parent + far + (v.static_neighbours ? ", static neighbours between the slaves" : "");
}

std::vector<TopologySpec> topologies_named(const CliOptions& options) {
    std::vector<TopologySpec> out;
    std::optional<TopologyCatalog> shipped;
    for (const auto& item : options.explain_files) {
        if (std::filesystem::exists(item)) {
            const auto catalog = TopologyCatalog::load_user_topology(item);
            for (const auto& t : catalog.topologies()) out.push_back(t);
            continue;
        }
        if (!shipped) shipped = TopologyCatalog::load(options.fixtures.value_or(default_fixtures_dir()) / "topologies" / "reachability.json");
        const std::string id = item.string();
        const TopologySpec* found = nullptr;
        for (const auto& t : shipped->topologies())
            if (t.id() == id) found = &t;
        if (!found)
            throw FixtureError(item, "", "no such file, and no shipped topology of that name.variant (e.g. private.hairpin; "
                                         "`macvlan-conformance --list` shows them in the test names)");
        out.push_back(*found);
    }
    return out;
}

void explain(const TopologySpec& t, const DeliveryRules& rules, const CliOptions& options, std::ostream& out) {
    const ReachabilityModel model(rules, t);
    const Family family = options.explain_family == "ipv6" ? Family::ipv6 : Family::ipv4;
    out << t.id() << ": " << describe_variant(t.variant) << "\n";
    if (!t.description.empty()) out << "  " << t.description << "\n";
    std::string slaves;
    for (const auto& s : t.slaves) {
        slaves += (slaves.empty() ? "" : ", ") + s.name + " " + s.mode_name();
        if (!s.source_allow.empty()) {
            std::string listed;
            for (const auto& a : s.source_allow) listed += (listed.empty() ? "" : " ") + a;
            slaves += " (lists " + listed + ")";
        }
    }
    out << "  slaves: " << slaves << "\n\n";

    const auto endpoints = t.endpoints();
    size_t width = 4;
    for (const auto& e : endpoints) width = std::max(width, e.size());
    out << "  " << std::setw(static_cast<int>(width)) << std::left << "from\\to";
    for (const auto& e : endpoints) out << " " << std::setw(static_cast<int>(width)) << e;
    out << "\n";
    const auto pairs = t.cell_pairs();
    auto is_cell = [&](const Endpoint& a, const Endpoint& b) {
        return std::find(pairs.begin(), pairs.end(), std::pair<Endpoint, Endpoint>{a, b}) != pairs.end();
    };
    for (const auto& from : endpoints) {
        out << "  " << std::setw(static_cast<int>(width)) << from;
        for (const auto& to : endpoints) {
            const char* mark = from == to ? "-" : !is_cell(from, to) ? " " : model.predict(from, to, family).expected == Reach::reachable ? "R" : ".";
            out << " " << std::setw(static_cast<int>(width)) << mark;
        }
        out << "\n";
    }
    out << "  (R reachable, . blocked; the same in IPv4 and IPv6)\n";

    const bool narrowed = !options.explain_from.empty() || !options.explain_to.empty();
    for (const auto& e : {options.explain_from, options.explain_to})
        if (!e.empty() && !t.has(e)) throw FixtureError("", "topology " + t.id(), "has no endpoint '" + e + "'");
    if (!narrowed && pairs.size() > kChainsUnasked) {
        out << "\n  " << pairs.size() << " cells: give --from or --to for their chains of rules\n";
        return;
    }
    for (const auto& [from, to] : pairs) {
        if ((!options.explain_from.empty() && from != options.explain_from) || (!options.explain_to.empty() && to != options.explain_to))
            continue;
        const auto p = model.predict(from, to, family);
        out << "\n  " << from << " -> " << to << ": " << to_string(p.expected) << "\n";
        for (const auto& f : p.frames) {
            out << "    " << std::setw(19) << std::left << f.step << f.what << ": " << (f.verdict.delivered ? "arrives" : "DOES NOT ARRIVE") << "\n";
            for (const auto& r : f.verdict.rules) {
                const DeliveryRule* rule = rules.find(r);
                out << "      [" << r << "] " << (rule ? rule->reason : rules.reason(r)) << "\n";
            }
        }
    }
}

nlohmann::json as_json(const TopologySpec& t, const DeliveryRules& rules) {
    const ReachabilityModel model(rules, t);
    nlohmann::json slaves = nlohmann::json::array();
    for (const auto& s : t.slaves)
        slaves.push_back({{"name", s.name}, {"mode", std::string(to_string(s.mode))}, {"nodst", s.nodst},
                          {"kind", s.kind == SlaveKind::macvtap ? "macvtap" : "macvlan"}, {"source_allow", s.source_allow}});
    nlohmann::json statics = nlohmann::json::array();
    for (const auto& holder : t.endpoints())
        for (const auto& target : t.endpoints())
            if (t.knows_by_hand(holder, target)) statics.push_back({holder, target});
    nlohmann::json cells = nlohmann::json::array();
    for (const auto& [from, to] : t.cell_pairs()) {
        const auto p = model.predict(from, to, Family::ipv4);
        nlohmann::json chain = nlohmann::json::array();
        for (const auto& f : p.frames) chain.push_back({{"step", f.step}, {"frame", f.what}, {"delivered", f.verdict.delivered}, {"rules", f.verdict.rules}});
        cells.push_back({{"from", from}, {"to", to}, {"expected", std::string(to_string(p.expected))}, {"chain", chain}});
    }
    return {{"topology", t.name},
            {"variant", t.variant.name},
            {"parent", std::string(to_string(t.variant.parent))},
            {"external", std::string(to_string(t.variant.external))},
            {"endpoints", t.endpoints()},
            {"slaves", slaves},
            {"static_neighbours", statics},
            {"cells", cells}};
}

}  // namespace

int explain_command(const CliOptions& options) {
    try {
        const auto fixtures = options.fixtures.value_or(default_fixtures_dir());
        const auto rules = DeliveryRules::load(options.rules.value_or(fixtures / "rules" / "delivery.json"));
        if (options.explain_json) {
            nlohmann::json out = {{"format", "macvlan-conformance/explain/1"}, {"rules", rules.file().string()}, {"topologies", nlohmann::json::array()}};
            for (const auto& t : topologies_named(options)) out["topologies"].push_back(as_json(t, rules));
            std::cout << out.dump(1) << "\n";
            return kExitPass;
        }
        std::cout << "macvlan-conformance explain: predicted by " << rules.file().string() << "\n\n";
        bool first = true;
        for (const auto& t : topologies_named(options)) {
            if (!first) std::cout << "\n";
            first = false;
            explain(t, rules, options, std::cout);
        }
    } catch (const FixtureError& e) {
        std::cerr << "macvlan-conformance explain: " << e.what() << "\n";
        return kExitUsage;
    }
    return kExitPass;
}

}  // namespace mvc
