#include "expectations.hpp"

#include <stdexcept>

#include "json_fields.hpp"

namespace mvc {

std::string_view to_string(Reach reach) { return reach == Reach::reachable ? "reachable" : "blocked"; }

std::string name_safe(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c == '-') c = '_';
    return out;
}

std::string CellId::group() const {
    return "reachability." + std::string(to_string(mode)) + "." + name_safe(variant);
}

std::string CellId::name() const {
    return group() + "." + std::string(to_string(family)) + "." + std::string(to_string(from)) + "_to_" +
           std::string(to_string(to));
}

std::string CellId::topology_id() const { return std::string(to_string(mode)) + "." + variant; }

const Expectation& ExpectationSet::at(const CellId& cell) const {
    auto it = cells_.find(cell);
    if (it == cells_.end()) throw std::out_of_range("no expectation for " + cell.name());
    return it->second;
}

ExpectationSet ExpectationSet::load(const std::filesystem::path& file, const TopologyCatalog& catalog) {
    const auto doc = read_json_file(file);
    JsonFields top(file, "", doc);
    top.allow_only({"format", "$comment", "matrices"});
    if (top.string("format") != "macvlan-conformance/reachability-expectations/1")
        top.fail("'format' must be \"macvlan-conformance/reachability-expectations/1\"");

    ExpectationSet set;
    set.file_ = file;
    const auto& matrices = top.array("matrices");
    for (size_t m = 0; m < matrices.size(); ++m) {
        JsonFields mf(file, "matrices[" + std::to_string(m) + "]", matrices[m]);
        mf.allow_only({"mode", "variant", "family", "note", "cells"});
        CellId base;
        try {
            base.mode = macvlan_mode_from_string(mf.string("mode"));
            base.family = family_from_string(mf.string("family"));
        } catch (const std::invalid_argument& e) {
            mf.fail(e.what());
        }
        base.variant = mf.string("variant");
        const TopologySpec* topology = catalog.find(base.mode, base.variant);
        if (!topology)
            mf.fail("no topology " + base.topology_id() + " in the topology catalog (fixtures/topologies/reachability.json)");
        const std::string label = "matrices[" + std::to_string(m) + "] (" + base.topology_id() + "/" +
                                  std::string(to_string(base.family)) + ")";
        const auto& cells = mf.array("cells");
        for (size_t c = 0; c < cells.size(); ++c) {
            JsonFields cf(file, label + " cells[" + std::to_string(c) + "]", cells[c]);
            cf.allow_only({"from", "to", "expected", "reason"});
            CellId id = base;
            try {
                id.from = endpoint_from_string(cf.string("from"));
                id.to = endpoint_from_string(cf.string("to"));
            } catch (const std::invalid_argument& e) {
                cf.fail(e.what());
            }
            const std::string pair = std::string(to_string(id.from)) + "->" + std::string(to_string(id.to));
            if (id.from == id.to) cf.fail(pair + ": a cell needs two different endpoints");
            if (!topology->has(id.from) || !topology->has(id.to))
                cf.fail(pair + ": topology " + topology->id() + " has no such endpoint");
            Expectation e;
            const auto expected = cf.string("expected");
            if (expected == "reachable")
                e.expected = Reach::reachable;
            else if (expected == "blocked")
                e.expected = Reach::blocked;
            else
                cf.fail(pair + ": 'expected' must be \"reachable\" or \"blocked\", got \"" + expected + "\"");
            e.reason = cf.string_or("reason", "");
            if (e.reason.empty())
                cf.fail(pair + ": 'reason' is missing or empty; every expectation says why, blocked ones above all");
            if (e.reason.find('\n') != std::string::npos) cf.fail(pair + ": 'reason' must be one line");
            if (!set.cells_.emplace(id, std::move(e)).second) cf.fail(pair + ": this cell is listed twice");
        }
    }

    // Completeness: a cell nobody wrote down would otherwise silently never run.
    for (const auto& t : catalog.topologies()) {
        for (auto family : {Family::ipv4, Family::ipv6}) {
            std::string missing;
            for (auto from : t.endpoints())
                for (auto to : t.endpoints()) {
                    if (from == to) continue;
                    CellId id{t.mode, t.variant.name, family, from, to};
                    if (!set.cells_.count(id))
                        missing += (missing.empty() ? "" : ", ") + std::string(to_string(from)) + "->" +
                                   std::string(to_string(to));
                }
            if (!missing.empty())
                throw FixtureError(file, "matrix " + t.id() + "/" + std::string(to_string(family)),
                                   "incomplete: no expectation for " + missing);
        }
    }
    return set;
}

}  // namespace mvc
