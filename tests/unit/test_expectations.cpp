// SPDX-License-Identifier: MIT
// The derived expectations against the hand-written matrices the project started from, and the
// --expectations overrides a lab may bring.
#include <gtest/gtest.h>

#include "expectations.hpp"
#include "fixture_error.hpp"
#include "spec_fixtures.hpp"

namespace mvc {
namespace {

using testing_support::TempFile;

TEST(DerivedExpectations, EqualEveryHandListedCell) {
    const auto& catalog = testing_support::shipped_catalog();
    const auto derived = ExpectationSet::derive(catalog, testing_support::shipped_rules());
    const auto hand = ExpectationSet::read_matrices(testing_support::hand_listed("hand_listed_reachability.json"), catalog, true);
    EXPECT_EQ(hand.size(), 424u);
    for (const auto& [cell, e] : hand)
        EXPECT_EQ(derived.at(cell).expected, e.expected)
            << cell.name() << ": hand-listed " << to_string(e.expected) << " (" << e.reason << "), derived "
            << to_string(derived.at(cell).expected) << " (" << derived.at(cell).reason << ")";
}

TEST(DerivedExpectations, EveryCellOfEveryTopologyHasAReasonNamingItsRules) {
    const auto& catalog = testing_support::shipped_catalog();
    const auto derived = ExpectationSet::derive(catalog, testing_support::shipped_rules());
    size_t cells = 0;
    for (const auto& t : catalog.topologies()) cells += 2 * t.cell_pairs().size();
    EXPECT_EQ(derived.cells().size(), cells);
    for (const auto& [cell, e] : derived.cells()) {
        EXPECT_FALSE(e.reason.empty()) << cell.name();
        EXPECT_NE(e.reason.find('['), std::string::npos) << cell.name() << ": the reason lists the chain of rules";
        EXPECT_EQ(e.reason.find('\n'), std::string::npos) << cell.name();
    }
}

TEST(DerivedExpectations, BothFamiliesAlike) {
    // ARP and neighbour discovery take the same paths through macvlan.
    const auto derived = ExpectationSet::derive(testing_support::shipped_catalog(), testing_support::shipped_rules());
    for (const auto& [cell, e] : derived.cells()) {
        if (cell.family != Family::ipv4) continue;
        CellId v6 = cell;
        v6.family = Family::ipv6;
        EXPECT_EQ(e.expected, derived.at(v6).expected) << cell.name();
    }
}

TEST(DerivedExpectations, MacvtapGuestsExpectWhatMacvlanSlavesDo) {
    // macvtap is a macvlan port member with a queue instead of a stack (macvtap_newlink calls
    // macvlan_common_newlink): no rule tells the kinds apart, so every macvtap.<mode> cell equals
    // the <mode> cell, and in macvtap.mixed.<mode> (a macvlan c1 beside a macvtap c2) too.
    const auto& catalog = testing_support::shipped_catalog();
    const auto derived = ExpectationSet::derive(catalog, testing_support::shipped_rules());
    size_t compared = 0;
    for (const auto& [cell, e] : derived.cells()) {
        std::string twin;
        if (cell.topology.rfind("macvtap.mixed.", 0) == 0) twin = cell.topology.substr(14);
        else if (cell.topology.rfind("macvtap.", 0) == 0) twin = cell.topology.substr(8);
        else continue;
        CellId macvlan = cell;
        macvlan.topology = twin;
        ASSERT_TRUE(derived.cells().count(macvlan)) << cell.name() << " has no macvlan twin " << macvlan.name();
        EXPECT_EQ(e.expected, derived.at(macvlan).expected) << cell.name() << " vs " << macvlan.name();
        ++compared;
    }
    EXPECT_GT(compared, 300u) << "the catalog has macvtap topologies in every mode";
}

class Overrides : public ::testing::Test {
protected:
    std::string complaint(const nlohmann::json& doc) {
        file_.write(doc);
        try {
            auto set = ExpectationSet::derive(testing_support::shipped_catalog(), testing_support::shipped_rules());
            set.apply_overrides(file_.path(), testing_support::shipped_catalog());
        } catch (const FixtureError& e) {
            return e.what();
        }
        return "";
    }
    static nlohmann::json one_cell(const std::string& expected) {
        return {{"format", "macvlan-conformance/reachability-expectations/1"},
                {"matrices",
                 {{{"mode", "vepa"}, {"variant", "plain"}, {"family", "ipv4"},
                   {"cells", {{{"from", "c1"}, {"to", "c2"}, {"expected", expected}, {"reason", "our switch reflects (lab note 7)"}}}}}}}};
    }
    TempFile file_{"overrides.json"};
};

TEST_F(Overrides, ReplaceExactlyTheCellsTheyList) {
    file_.write(one_cell("reachable"));
    auto set = ExpectationSet::derive(testing_support::shipped_catalog(), testing_support::shipped_rules());
    const auto before = set.cells();
    set.apply_overrides(file_.path(), testing_support::shipped_catalog());
    const CellId cell{"vepa", "plain", Family::ipv4, "c1", "c2"};
    EXPECT_EQ(before.at(cell).expected, Reach::blocked);
    EXPECT_EQ(set.at(cell).expected, Reach::reachable);
    EXPECT_TRUE(set.at(cell).overridden);
    EXPECT_EQ(set.at(cell).reason, "our switch reflects (lab note 7)");
    size_t changed = 0;
    for (const auto& [id, e] : set.cells()) changed += e.expected != before.at(id).expected ? 1 : 0;
    EXPECT_EQ(changed, 1u);
    EXPECT_NE(set.source().find(file_.path().string()), std::string::npos);
}

TEST_F(Overrides, MisspelledVerdictNamesFileEntryAndValue) {
    const auto msg = complaint(one_cell("blokced"));
    EXPECT_NE(msg.find(file_.path().string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("matrices[0] (vepa.plain/ipv4) cells[0]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'expected' must be \"reachable\" or \"blocked\", got \"blokced\""), std::string::npos) << msg;
}

TEST_F(Overrides, UnknownTopologyIsRefused) {
    auto doc = one_cell("reachable");
    doc["matrices"][0]["mode"] = "vepa2";
    EXPECT_NE(complaint(doc).find("no topology vepa2.plain"), std::string::npos);
}

TEST_F(Overrides, CellWithoutReasonIsRefused) {
    auto doc = one_cell("reachable");
    doc["matrices"][0]["cells"][0]["reason"] = "";
    EXPECT_NE(complaint(doc).find("'reason' is missing or empty"), std::string::npos);
}

TEST_F(Overrides, EndpointTheTopologyLacksIsRefused) {
    auto doc = one_cell("reachable");
    doc["matrices"][0]["cells"][0]["to"] = "c3";
    EXPECT_NE(complaint(doc).find("c1->c3: topology vepa.plain has no such endpoint"), std::string::npos);
}

}  // namespace
}  // namespace mvc
