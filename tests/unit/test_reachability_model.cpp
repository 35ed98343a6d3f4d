// SPDX-License-Identifier: MIT
// The delivery rules applied: the explain cases the issue names, mixed modes, nodst, the rule file's
// own validation, and a flipped rule changing exactly the cells whose chain uses it.
#include <gtest/gtest.h>

#include <algorithm>

#include "broadcast_expectations.hpp"
#include "expectations.hpp"
#include "fixture_error.hpp"
#include "json_fields.hpp"
#include "reachability_model.hpp"
#include "spec_fixtures.hpp"

namespace mvc {
namespace {

using testing_support::shipped_catalog;
using testing_support::shipped_rules;
using testing_support::TempFile;

Prediction predict(const std::string& topology, const std::string& variant, const Endpoint& from, const Endpoint& to) {
    const TopologySpec* t = shipped_catalog().find(topology, variant);
    if (!t) throw std::logic_error("no topology " + topology + "." + variant);
    return ReachabilityModel(shipped_rules(), *t).predict(from, to, Family::ipv4);
}

bool uses(const Prediction& p, const std::string& rule) {
    return std::any_of(p.frames.begin(), p.frames.end(), [&](const ExchangeFrame& f) {
        return std::find(f.verdict.rules.begin(), f.verdict.rules.end(), rule) != f.verdict.rules.end();
    });
}

// Private isolates slaves from each other, not from the host: with a hairpin switch host->c1 is
// reachable while c1->host is blocked (macvlan_handle_frame returns a private slave's reflected
// broadcast to it only).
TEST(ReachabilityModel, PrivateWithHairpinReachesTheHostOneWay) {
    const auto in = predict("private", "hairpin", kHost, "c1");
    EXPECT_EQ(in.expected, Reach::reachable) << in.reason;
    EXPECT_TRUE(uses(in, "g.host.reflected-flood")) << in.reason;
    const auto out = predict("private", "hairpin", "c1", kHost);
    EXPECT_EQ(out.expected, Reach::blocked) << out.reason;
    ASSERT_EQ(out.frames.size(), 1u) << "the chain stops at the frame that does not arrive";
    EXPECT_EQ(out.frames[0].step, "echo.resolve");
    EXPECT_TRUE(uses(out, "g.isolated.reflected-to-sender-only")) << out.reason;
    EXPECT_NE(out.reason.find("forward to original port"), std::string::npos) << out.reason;
}

TEST(ReachabilityModel, OnlyABridgeModeDestinationIsSwitchedLocally) {
    EXPECT_EQ(predict("mixed.bridge_vepa", "plain", "c1", "c2").expected, Reach::blocked);
    EXPECT_EQ(predict("mixed.bridge_vepa", "hairpin", "c1", "c2").expected, Reach::reachable);
    EXPECT_EQ(predict("mixed.vepa_bridge", "hairpin", "c1", "c2").expected, Reach::reachable);
    EXPECT_EQ(predict("bridge", "dummy", "c1", "c2").expected, Reach::reachable);
}

TEST(ReachabilityModel, ANodstMonitorOfExtCutsTheRestOfThePortOffFromExt) {
    EXPECT_EQ(predict("nodst_monitor_of_ext", "plain", kHost, kExt).expected, Reach::blocked);
    EXPECT_EQ(predict("nodst_monitor_of_ext", "plain", "b1", kExt).expected, Reach::blocked);
    EXPECT_EQ(predict("nodst_monitor_of_ext", "plain", kExt, "mon").expected, Reach::reachable);
    EXPECT_TRUE(uses(predict("nodst_monitor_of_ext", "plain", kHost, kExt), "port.nodst"));
}

TEST(ReachabilityModel, StaticNeighboursSkipResolution) {
    const auto p = predict("private", "hairpin-static", "c1", "c2");
    EXPECT_EQ(p.expected, Reach::reachable) << p.reason;
    EXPECT_TRUE(std::none_of(p.frames.begin(), p.frames.end(), [](const ExchangeFrame& f) { return f.step == "echo.resolve"; }));
}

TEST(DeliveryRules, ShippedRulesCoverEveryCombinationOnce) {
    EXPECT_GT(DeliveryRules::combinations().size(), 200u);
    for (const auto& c : DeliveryRules::combinations()) EXPECT_NO_THROW(shipped_rules().rule(c.frame, c.from, c.to, c.external, c.port));
    for (const auto& r : shipped_rules().rules()) EXPECT_NE(r.reason.find("macvlan"), std::string::npos) << r.id << " names no kernel function";
}

class RuleFile : public ::testing::Test {
protected:
    std::string complaint(const nlohmann::json& doc) {
        file_.write(doc);
        try {
            DeliveryRules::load(file_.path());
        } catch (const FixtureError& e) {
            return e.what();
        }
        return "";
    }
    nlohmann::json shipped() const { return read_json_file(testing_support::shipped_fixtures() / "rules" / "delivery.json"); }
    TempFile file_{"rules.json"};
};

TEST_F(RuleFile, AMissingRuleIsNamedByItsCombination) {
    auto doc = shipped();
    auto& rules = doc["rules"];
    rules.erase(std::find_if(rules.begin(), rules.end(), [](const nlohmann::json& r) { return r["id"] == "g.vepa-reflected.flood"; }));
    const auto msg = complaint(doc);
    EXPECT_NE(msg.find("no rule covers these combinations"), std::string::npos) << msg;
    EXPECT_NE(msg.find("group from vepa to bridge, external hairpin, shared port"), std::string::npos) << msg;
}

TEST_F(RuleFile, TwoRulesForOneCombinationAreRefused) {
    auto doc = shipped();
    auto copy = doc["rules"][0];
    copy["id"] = "u.host-to-ext.again";
    doc["rules"].push_back(copy);
    EXPECT_NE(complaint(doc).find("two rules cover these combinations"), std::string::npos);
}

TEST_F(RuleFile, AnUnknownKindIsRefused) {
    auto doc = shipped();
    doc["rules"][0]["from"] = {"hots"};
    EXPECT_NE(complaint(doc).find("'from': unknown value 'hots'"), std::string::npos);
}

// Flipping a rule changes the derived expectation of exactly the cells whose chain uses it, for
// every rule: the regression form of the sweep the suite runs against the kernel
// (tests/integration: FlippedRule).
TEST(DeliveryRules, AFlippedRuleChangesOnlyCellsWhoseChainUsesIt) {
    const auto& catalog = shipped_catalog();
    const auto base = ExpectationSet::derive(catalog, shipped_rules());
    const auto base_broadcast = BroadcastExpectationSet::derive(catalog, shipped_rules());
    size_t rules_that_decide_something = 0;
    for (const auto& rule : shipped_rules().rules()) {
        const auto rules = shipped_rules().flipped(rule.id);
        const auto flipped = ExpectationSet::derive(catalog, rules);
        const auto flipped_broadcast = BroadcastExpectationSet::derive(catalog, rules);
        size_t changed = 0;
        for (const auto& [cell, e] : base.cells()) {
            if (flipped.at(cell).expected == e.expected) continue;
            ++changed;
            EXPECT_NE(e.reason.find(rule.id), std::string::npos)
                << "flipping " << rule.id << " changed " << cell.name() << ", whose chain does not name it: " << e.reason;
        }
        for (const auto& [cell, e] : base_broadcast.cells()) {
            if (flipped_broadcast.at(cell).expected == e.expected) continue;
            ++changed;
            EXPECT_NE(e.reason.find(rule.id), std::string::npos)
                << "flipping " << rule.id << " changed " << cell.name() << ", whose chain does not name it: " << e.reason;
        }
        rules_that_decide_something += changed > 0 ? 1 : 0;
    }
    EXPECT_GE(rules_that_decide_something, shipped_rules().rules().size() * 3 / 4) << "most rules decide some shipped cell";
}

}  // namespace
}  // namespace mvc
