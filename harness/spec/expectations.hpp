// SPDX-License-Identifier: MIT
#pragma once

#include <compare>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "addresses.hpp"
#include "delivery_rules.hpp"
#include "reachability_model.hpp"
#include "topology_spec.hpp"

namespace mvc {

// One reachability cell: topology × variant × family × (from, to).
struct CellId {
    std::string topology;  // "vepa", "mixed.bridge_vepa", "docker_two_networks"
    std::string variant;
    Family family = Family::ipv4;
    Endpoint from = kHost;
    Endpoint to = kExt;

    // "reachability.vepa.hairpin.ipv4.c1_to_c2". A '-' becomes '_' because GoogleTest filters
    // treat '-' as the start of the negative patterns.
    std::string name() const;
    std::string group() const;  // "reachability.vepa.hairpin"
    std::string topology_id() const;
    auto operator<=>(const CellId&) const = default;
};

std::string name_safe(std::string_view text);  // '-' -> '_'

struct Expectation {
    Reach expected = Reach::reachable;
    std::string reason;  // one line, with the kernel function (or the lab's document) it rests on
    bool overridden = false;  // from a --expectations file, not from the rules
};

// What every cell of every topology is expected to do: derived from the delivery rules, each with
// the chain of rules as its reason; optionally overridden cell by cell from a file (a lab's
// documented deviations, --expectations).
class ExpectationSet {
public:
    static ExpectationSet derive(const TopologyCatalog& catalog, const DeliveryRules& rules);
    // A file in the format of the hand-listed matrices (macvlan-conformance/reachability-expectations/1,
    // "mode" naming the topology): every cell it lists replaces the derived one. Validated against
    // the catalog; with `complete`, every cell of every topology it names must be listed.
    void apply_overrides(const std::filesystem::path& file, const TopologyCatalog& catalog);
    // The cells of such a file, without deriving anything (for the tests that compare).
    static std::map<CellId, Expectation> read_matrices(const std::filesystem::path& file, const TopologyCatalog& catalog,
                                                       bool complete);

    const Expectation& at(const CellId& cell) const;
    const std::map<CellId, Expectation>& cells() const { return cells_; }
    // Where the expectations come from, for the report: the rules file, and the overrides if any.
    std::string source() const;

private:
    std::filesystem::path rules_file_, overrides_file_;
    std::map<CellId, Expectation> cells_;
};

}  // namespace mvc
