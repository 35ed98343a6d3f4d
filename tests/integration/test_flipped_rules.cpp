// SPDX-License-Identifier: MIT
// A delivery rule is live in the measured suite, not only in the derivation: a rules file with one
// rule flipped (--rules) fails exactly the measured cells whose derived expectation that rule
// changes. The unit test DeliveryRules.AFlippedRuleChangesOnlyCellsWhoseChainUsesIt sweeps every rule
// without root; these are the regression cases against the kernel. Needs root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <set>

#include "broadcast_expectations.hpp"
#include "conformance_process.hpp"
#include "expectations.hpp"
#include "spec_fixtures.hpp"

namespace mvc {
namespace {

using testing_support::TempFile;

struct FlipCase {
    const char* rule;
    const char* topology;  // the cells measured: reachability.<topology>.* and broadcast.<topology>.*
};

void PrintTo(const FlipCase& c, std::ostream* os) { *os << c.rule << " on " << c.topology; }

// The rules file with one rule's delivery turned around, as a user would edit it.
nlohmann::json rules_with_flipped(const std::string& id) {
    auto doc = testing_support::read(testing_support::shipped_fixtures() / "rules" / "delivery.json");
    for (auto& r : doc["rules"]) {
        if (r["id"] != id) continue;
        const bool delivered = r["delivered"].is_boolean() ? r["delivered"].get<bool>() : true;  // if-listed counts as delivered
        r["delivered"] = !delivered;
        if (delivered) r.erase("via");  // an undelivered frame goes nowhere
        else r["via"] = "parent-receive";
        r["reason"] = "FLIPPED: " + r["reason"].get<std::string>();
        return doc;
    }
    return nullptr;
}

TopologyCatalog catalog_for(const DeliveryRules& rules) {
    auto c = TopologyCatalog::load(testing_support::shipped_fixtures() / "topologies" / "reachability.json");
    c.derive_controls(rules, "reachability.json");
    return c;
}

bool in_topology(const std::string& name, const std::string& topology) {
    return name.rfind("reachability." + topology + ".", 0) == 0 || name.rfind("broadcast." + topology + ".", 0) == 0;
}

class FlippedRule : public ::testing::TestWithParam<FlipCase> {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: the suite builds network namespaces and links";
    }
};

TEST_P(FlippedRule, FailsExactlyTheCellsItsChangeDerives) {
    const auto& [rule, topology] = GetParam();
    const auto doc = rules_with_flipped(rule);
    ASSERT_FALSE(doc.is_null()) << "no rule " << rule << " in the shipped rules";
    TempFile rules_file("delivery.json"), json("r.json");
    rules_file.write(doc);

    // What the change predicts, derived here from the same two files the runs read.
    const auto& base_rules = testing_support::shipped_rules();
    const auto flipped_rules = DeliveryRules::load(rules_file.path());
    const auto base_catalog = catalog_for(base_rules), flipped_catalog = catalog_for(flipped_rules);
    // The controls must not move: a control on a path the flipped rule wrongly opens would (rightly)
    // distrust the whole family, and the test would no longer be about single cells.
    for (const auto& t : base_catalog.topologies()) {
        if (t.name != topology) continue;
        const auto* f = flipped_catalog.find(t.name, t.variant.name);
        ASSERT_NE(f, nullptr);
        ASSERT_EQ(f->controls.size(), t.controls.size()) << rule << " moves the controls of " << t.id();
        for (size_t i = 0; i < t.controls.size(); ++i) {
            ASSERT_EQ(f->controls[i].from, t.controls[i].from) << rule << " moves the controls of " << t.id();
            ASSERT_EQ(f->controls[i].to, t.controls[i].to) << rule << " moves the controls of " << t.id();
        }
    }
    std::set<std::string> predicted;
    const auto base = ExpectationSet::derive(base_catalog, base_rules);
    const auto flipped = ExpectationSet::derive(flipped_catalog, flipped_rules);
    for (const auto& [cell, e] : base.cells())
        if (flipped.at(cell).expected != e.expected && in_topology(cell.name(), topology)) predicted.insert(cell.name());
    const auto base_bc = BroadcastExpectationSet::derive(base_catalog, base_rules);
    const auto flipped_bc = BroadcastExpectationSet::derive(flipped_catalog, flipped_rules);
    for (const auto& [cell, e] : base_bc.cells())
        if (flipped_bc.at(cell).expected != e.expected && in_topology(cell.name(), topology)) predicted.insert(cell.name());
    ASSERT_FALSE(predicted.empty()) << rule << " decides no cell of " << topology << ": pick another case";

    const auto r = testing_support::run_conformance({"--rules", rules_file.path().string(), "--json", json.path().string(),
                                                     "--filter", "reachability." + std::string(topology) + ".*",
                                                     "--filter", "broadcast." + std::string(topology) + ".*"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    const auto report = testing_support::read(json.path());
    std::set<std::string> failed, skipped;
    for (const auto& t : report["tests"]) {  // every test: the reachability cells and the broadcast ones
        if (t["verdict"] == "fail") failed.insert(t["name"]);
        if (t["verdict"] == "skip") skipped.insert(t["name"]);
    }
    std::erase_if(predicted, [&](const std::string& n) { return skipped.count(n) > 0; });  // e.g. no 8021q here
    EXPECT_EQ(failed, predicted) << "flipping " << rule;
}

// Each kind of rule once: unicast between slaves, a reflected group frame's mode mask, rules that
// say "never" (flipped to delivered), and passthru's port. tests/integration has no sweep over
// every rule: the unit test does that without a kernel, these show the run follows it.
INSTANTIATE_TEST_SUITE_P(Rules, FlippedRule,
                         ::testing::Values(FlipCase{"u.bridge-to-bridge", "docker_two_networks"},
                                           FlipCase{"g.bridge-to-vepa.reflected", "mixed.bridge_vepa"},
                                           FlipCase{"g.bridge-reflected.not-private", "bridge_shim_beside_private"},
                                           FlipCase{"g.vepa-reflected.not-private", "mixed.vepa_private"},
                                           FlipCase{"pt.u.slave-to-host", "passthru"}),
                         [](const ::testing::TestParamInfo<FlipCase>& info) {
                             std::string n = info.param.rule;
                             for (auto& ch : n)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return n;
                         });

}  // namespace
}  // namespace mvc
