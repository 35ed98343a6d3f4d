// SPDX-License-Identifier: MIT
#pragma once

#include "delivery_rules.hpp"
#include "fixture_files.hpp"
#include "topology_spec.hpp"

namespace mvc::testing_support {

// The shipped catalog, its controls derived from the shipped rules, as a run loads them.
inline const DeliveryRules& shipped_rules() {
    static const DeliveryRules rules = DeliveryRules::load(shipped_fixtures() / "rules" / "delivery.json");
    return rules;
}

inline const TopologyCatalog& shipped_catalog() {
    static const TopologyCatalog catalog = [] {
        auto c = TopologyCatalog::load(shipped_fixtures() / "topologies" / "reachability.json");
        c.derive_controls(shipped_rules(), "reachability.json");
        return c;
    }();
    return catalog;
}

// The hand-written matrices the rules were checked against, kept beside the tests.
inline std::filesystem::path hand_listed(const char* name) { return std::filesystem::path(MVC_UNIT_TEST_DATA) / name; }

}  // namespace mvc::testing_support
