// SPDX-License-Identifier: MIT
#include "expectations.hpp"

#include <stdexcept>

#include "json_fields.hpp"

namespace mvc {

std::string name_safe(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c == '-') c = '_';
    return out;
}

std::string CellId::group() const { return "reachability." + name_safe(topology) + "." + name_safe(variant); }

std::string CellId::name() const {
    return group() + "." + std::string(to_string(family)) + "." + from + "_to_" + to;
}

std::string CellId::topology_id() const { return topology + "." + variant; }

const Expectation& ExpectationSet::at(const CellId& cell) const {
    auto it = cells_.find(cell);
    if (it == cells_.end()) throw std::out_of_range("no expectation for " + cell.name());
    return it->second;
}

std::string ExpectationSet::source() const {
    return rules_file_.string() + (overrides_file_.empty() ? "" : ", overridden by " + overrides_file_.string());
}

ExpectationSet ExpectationSet::derive(const TopologyCatalog& catalog, const DeliveryRules& rules) {
    ExpectationSet set;
    set.rules_file_ = rules.file();
    for (const auto& t : catalog.topologies()) {
        const ReachabilityModel model(rules, t);
        for (auto family : {Family::ipv4, Family::ipv6})
            for (const auto& [from, to] : t.cell_pairs()) {
                const auto p = model.predict(from, to, family);
                set.cells_[{t.name, t.variant.name, family, from, to}] = {p.expected, p.reason, false};
            }
    }
    return set;
}

std::map<CellId, Expectation> ExpectationSet::read_matrices(const std::filesystem::path& file, const TopologyCatalog& catalog,
                                                            bool complete) {
    const auto doc = read_json_file(file);
    JsonFields top(file, "", doc);
    top.allow_only({"format", "$comment", "matrices"});
    if (top.string("format") != "macvlan-conformance/reachability-expectations/1")
        top.fail("'format' must be \"macvlan-conformance/reachability-expectations/1\"");
    std::map<CellId, Expectation> cells;
    std::vector<std::pair<const TopologySpec*, Family>> named;
    const auto& matrices = top.array("matrices");
    for (size_t m = 0; m < matrices.size(); ++m) {
        JsonFields mf(file, "matrices[" + std::to_string(m) + "]", matrices[m]);
        mf.allow_only({"mode", "topology", "variant", "family", "note", "cells"});
        CellId base;
        base.topology = matrices[m].contains("topology") ? mf.string("topology") : mf.string("mode");
        try {
            base.family = family_from_string(mf.string("family"));
        } catch (const std::invalid_argument& e) {
            mf.fail(e.what());
        }
        base.variant = mf.string("variant");
        const TopologySpec* topology = catalog.find(base.topology, base.variant);
        if (!topology) mf.fail("no topology " + base.topology_id() + " in the topology catalog");
        named.emplace_back(topology, base.family);
        const std::string label = "matrices[" + std::to_string(m) + "] (" + base.topology_id() + "/" +
                                  std::string(to_string(base.family)) + ")";
        const auto& list = mf.array("cells");
        for (size_t c = 0; c < list.size(); ++c) {
            JsonFields cf(file, label + " cells[" + std::to_string(c) + "]", list[c]);
            cf.allow_only({"from", "to", "expected", "reason"});
            CellId id = base;
            id.from = cf.string("from");
            id.to = cf.string("to");
            const std::string pair = id.from + "->" + id.to;
            if (id.from == id.to) cf.fail(pair + ": a cell needs two different endpoints");
            if (!topology->has(id.from) || !topology->has(id.to)) cf.fail(pair + ": topology " + topology->id() + " has no such endpoint");
            Expectation e;
            const auto expected = cf.string("expected");
            if (expected == "reachable") e.expected = Reach::reachable;
            else if (expected == "blocked") e.expected = Reach::blocked;
            else cf.fail(pair + ": 'expected' must be \"reachable\" or \"blocked\", got \"" + expected + "\"");
            e.reason = cf.string_or("reason", "");
            if (e.reason.empty()) cf.fail(pair + ": 'reason' is missing or empty; every expectation says why, blocked ones above all");
            if (e.reason.find('\n') != std::string::npos) cf.fail(pair + ": 'reason' must be one line");
            e.overridden = true;
            if (!cells.emplace(id, std::move(e)).second) cf.fail(pair + ": this cell is listed twice");
        }
    }
    if (complete)
        for (const auto& [t, family] : named) {
            std::string missing;
            for (const auto& [from, to] : t->cell_pairs())
                if (!cells.count({t->name, t->variant.name, family, from, to})) missing += (missing.empty() ? "" : ", ") + from + "->" + to;
            if (!missing.empty())
                throw FixtureError(file, "matrix " + t->id() + "/" + std::string(to_string(family)), "incomplete: no expectation for " + missing);
        }
    return cells;
}

void ExpectationSet::apply_overrides(const std::filesystem::path& file, const TopologyCatalog& catalog) {
    for (auto& [id, e] : read_matrices(file, catalog, false)) cells_[id] = std::move(e);
    overrides_file_ = file;
}

}  // namespace mvc
