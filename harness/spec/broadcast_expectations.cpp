#include "broadcast_expectations.hpp"

#include <algorithm>
#include <stdexcept>

#include "expectations.hpp"
#include "json_fields.hpp"

namespace mvc {

namespace {

constexpr std::string_view kFormat = "macvlan-conformance/broadcast-expectations/1";

template <typename T>
bool contains(const std::vector<T>& list, const T& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

// A non-empty array of endpoint names without repeats.
std::vector<Endpoint> endpoint_list(const JsonFields& fields, std::string_view key) {
    std::vector<Endpoint> endpoints;
    const auto& names = fields.array(key);
    if (names.empty()) fields.fail("'" + std::string(key) + "' must name at least one endpoint");
    for (const auto& name : names) {
        if (!name.is_string()) fields.fail("'" + std::string(key) + "' must hold endpoint names, got " + name.dump());
        Endpoint e{};
        try {
            e = endpoint_from_string(name.get<std::string>());
        } catch (const std::invalid_argument& error) {
            fields.fail("'" + std::string(key) + "': " + error.what());
        }
        if (contains(endpoints, e)) fields.fail("'" + std::string(key) + "' names " + name.get<std::string>() + " twice");
        endpoints.push_back(e);
    }
    return endpoints;
}

}  // namespace

std::string_view to_string(Delivery delivery) {
    return delivery == Delivery::delivered ? "delivered" : "not delivered";
}

std::string BroadcastCellId::group() const {
    return "broadcast." + std::string(to_string(mode)) + "." + name_safe(variant);
}

std::string BroadcastCellId::name() const {
    return group() + "." + std::string(to_string(frame)) + ".from_" + std::string(to_string(from)) + ".to_" +
           std::string(to_string(to));
}

std::string BroadcastCellId::topology_id() const { return std::string(to_string(mode)) + "." + variant; }

const BroadcastExpectation& BroadcastExpectationSet::at(const BroadcastCellId& cell) const {
    auto it = cells_.find(cell);
    if (it == cells_.end()) throw std::out_of_range("no expectation for " + cell.name());
    return it->second;
}

BroadcastExpectationSet BroadcastExpectationSet::load(const std::filesystem::path& file, const TopologyCatalog& catalog) {
    const auto doc = read_json_file(file);
    JsonFields top(file, "", doc);
    top.allow_only({"format", "$comment", "variants", "senders", "group_members", "matrices"});
    if (top.string("format") != kFormat) top.fail("'format' must be \"" + std::string(kFormat) + "\"");

    BroadcastExpectationSet set;
    set.file_ = file;
    const auto known_variants = catalog.variant_names();
    for (const auto& v : top.array("variants")) {
        if (!v.is_string()) top.fail("'variants' must hold variant names, got " + v.dump());
        const auto name = v.get<std::string>();
        if (!contains(known_variants, name))
            top.fail("'variants': no variant '" + name + "' in the topology catalog (fixtures/topologies/reachability.json)");
        if (contains(set.variants_, name)) top.fail("'variants' names " + name + " twice");
        set.variants_.push_back(name);
    }
    if (set.variants_.empty()) top.fail("'variants' must name at least one variant");
    set.senders_ = endpoint_list(top, "senders");
    set.group_members_ = endpoint_list(top, "group_members");

    std::vector<const TopologySpec*> covered;
    for (const auto& t : catalog.topologies())
        if (contains(set.variants_, t.variant.name)) covered.push_back(&t);
    for (const auto* t : covered) {
        // Every verdict is judged against ext's broadcasts, which reach every endpoint in every mode.
        if (!t->has(Endpoint::ext))
            top.fail("'variants': topology " + t->id() + " has no ext, and the broadcast controls are sent from ext");
        for (auto member : set.group_members_)
            if (!t->has(member))
                top.fail("'group_members': topology " + t->id() + " has no " + std::string(to_string(member)));
    }

    const auto& matrices = top.array("matrices");
    for (size_t m = 0; m < matrices.size(); ++m) {
        JsonFields mf(file, "matrices[" + std::to_string(m) + "]", matrices[m]);
        mf.allow_only({"mode", "variant", "frame", "note", "cells"});
        BroadcastCellId base;
        try {
            base.mode = macvlan_mode_from_string(mf.string("mode"));
            base.frame = frame_kind_from_string(mf.string("frame"));
        } catch (const std::invalid_argument& e) {
            mf.fail(e.what());
        }
        base.variant = mf.string("variant");
        if (!contains(set.variants_, base.variant))
            mf.fail("variant '" + base.variant + "' is not listed in 'variants'");
        const TopologySpec* topology = catalog.find(base.mode, base.variant);
        if (!topology)
            mf.fail("no topology " + base.topology_id() + " in the topology catalog (fixtures/topologies/reachability.json)");
        const std::string label =
            "matrices[" + std::to_string(m) + "] (" + base.topology_id() + "/" + std::string(to_string(base.frame)) + ")";
        const auto& cells = mf.array("cells");
        for (size_t c = 0; c < cells.size(); ++c) {
            JsonFields cf(file, label + " cells[" + std::to_string(c) + "]", cells[c]);
            cf.allow_only({"from", "to", "expected", "reason"});
            BroadcastCellId id = base;
            try {
                id.from = endpoint_from_string(cf.string("from"));
                id.to = endpoint_from_string(cf.string("to"));
            } catch (const std::invalid_argument& e) {
                cf.fail(e.what());
            }
            const std::string pair = std::string(to_string(id.from)) + "->" + std::string(to_string(id.to));
            if (!contains(set.senders_, id.from)) cf.fail(pair + ": " + std::string(to_string(id.from)) + " is not listed in 'senders'");
            if (!topology->has(id.from) || !topology->has(id.to))
                cf.fail(pair + ": topology " + topology->id() + " has no such endpoint");
            BroadcastExpectation e;
            const auto expected = cf.string("expected");
            if (expected == to_string(Delivery::delivered))
                e.expected = Delivery::delivered;
            else if (expected == to_string(Delivery::not_delivered))
                e.expected = Delivery::not_delivered;
            else
                cf.fail(pair + ": 'expected' must be \"delivered\" or \"not delivered\", got \"" + expected + "\"");
            e.reason = cf.string_or("reason", "");
            if (e.reason.empty())
                cf.fail(pair + ": 'reason' is missing or empty; every expectation says why, with the macvlan.c function it rests on");
            if (e.reason.find('\n') != std::string::npos) cf.fail(pair + ": 'reason' must be one line");
            if (!set.cells_.emplace(id, std::move(e)).second) cf.fail(pair + ": this cell is listed twice");
        }
    }

    // Completeness: a cell nobody wrote down would otherwise silently never run.
    for (const auto* t : covered)
        for (auto frame : kAllFrameKinds) {
            std::string missing;
            for (auto from : set.senders_) {
                if (!t->has(from)) continue;
                for (auto to : t->endpoints())
                    if (!set.cells_.count({t->mode, t->variant.name, frame, from, to}))
                        missing += (missing.empty() ? "" : ", ") + std::string(to_string(from)) + "->" +
                                   std::string(to_string(to));
            }
            if (!missing.empty())
                throw FixtureError(file, "matrix " + t->id() + "/" + std::string(to_string(frame)),
                                   "incomplete: no expectation for " + missing);
        }
    return set;
}

}  // namespace mvc
