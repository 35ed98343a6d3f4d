// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>

#include "delivery_rules.hpp"
#include "expectations.hpp"
#include "topology_spec.hpp"

namespace mvc::fuzz {

// The other half of what a fuzzed file is checked against, as `run` would (app/run_command.cpp,
// load_fixtures): the shipped fixtures, and two small topologies (fuzz/topologies/) with a slave
// of every mode, for deriving expectations quickly enough to fuzz.
inline const std::filesystem::path kFixtures = MVC_SOURCE_FIXTURES;
inline const std::filesystem::path kFuzzTopologies = MVC_FUZZ_TOPOLOGIES;

inline const DeliveryRules& shipped_rules() {
    static const DeliveryRules rules = DeliveryRules::load(kFixtures / "rules" / "delivery.json");
    return rules;
}

inline const TopologyCatalog& shipped_catalog() {
    static const TopologyCatalog catalog = [] {
        auto c = TopologyCatalog::load(kFixtures / "topologies" / "reachability.json");
        c.derive_controls(shipped_rules(), kFixtures / "topologies" / "reachability.json");
        return c;
    }();
    return catalog;
}

// For LLVMFuzzerInitialize: the shipped fixtures loaded once, before the first input (and its
// timeout) starts.
inline int load_shipped_fixtures() {
    (void)shipped_rules();
    (void)shipped_catalog();
    return 0;
}

// Every mode, in two topologies of at most six endpoints (derived, for rules, in milliseconds).
inline TopologyCatalog every_mode_catalog() {
    auto c = TopologyCatalog::load_user_topology(kFuzzTopologies / "every_mode.json");
    c.add(TopologyCatalog::load_user_topology(kFuzzTopologies / "passthru.json"));
    return c;
}

// Whether deriving every cell's expectation is quick enough to do for each input: the shipped
// catalog and a 4096-slave file are valid, and derived by the unit tests and the runs instead.
inline bool small_enough_to_derive(const TopologyCatalog& catalog) {
    size_t pairs = 0;
    for (const auto& t : catalog.topologies()) pairs += t.endpoints().size() * t.endpoints().size();
    return pairs <= 256;
}

// What `run` does with a loaded catalog before it measures anything: its controls derived and
// checked against the rules, and (when small enough) every cell's expectation derived.
inline void derive_as_a_run_would(TopologyCatalog& catalog, const DeliveryRules& rules, const std::filesystem::path& source) {
    catalog.derive_controls(rules, source);
    if (small_enough_to_derive(catalog)) (void)ExpectationSet::derive(catalog, rules);
}

}  // namespace mvc::fuzz
