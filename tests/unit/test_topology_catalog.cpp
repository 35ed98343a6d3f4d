// SPDX-License-Identifier: MIT
// The topology files: the shipped catalog, and a user's own file, refused with the field and the
// reason whenever the kernel would refuse it or the file cannot mean what it says.
#include <gtest/gtest.h>

#include "fixture_error.hpp"
#include "spec_fixtures.hpp"
#include "topology_spec.hpp"

namespace mvc {
namespace {

using testing_support::TempFile;

TEST(TopologyCatalog, ShippedCatalogHasEveryModeAndTheMixedLayouts) {
    const auto& catalog = testing_support::shipped_catalog();
    for (const char* mode : {"bridge", "vepa", "private", "passthru", "source"})
        for (const char* variant : {"plain", "hairpin", "vlan", "dummy"}) EXPECT_NE(catalog.find(mode, variant), nullptr) << mode << "." << variant;
    const char* modes[] = {"bridge", "vepa", "private", "source", "source_nodst"};
    for (const char* a : modes)
        for (const char* b : modes) {
            if (std::string(a) == b && std::string(a) != "source_nodst") continue;  // the per-mode topologies
            for (const char* variant : {"plain", "hairpin", "hairpin-static"})
                EXPECT_NE(catalog.find(std::string("mixed.") + a + "_" + b, variant), nullptr) << a << "_" << b << "." << variant;
        }
    for (const char* layout : {"docker_two_networks", "bridge_shim_beside_private", "source_monitor_beside_bridge"})
        EXPECT_NE(catalog.find(layout, "hairpin"), nullptr) << layout;
}

TEST(TopologyCatalog, ShippedCatalogHasMacvtapGuestsInEveryMode) {
    const auto& catalog = testing_support::shipped_catalog();
    for (const std::string mode : {"bridge", "vepa", "private", "passthru", "source"}) {
        const auto* alone = catalog.find("macvtap." + mode, "plain");
        ASSERT_NE(alone, nullptr) << mode;
        for (const auto& s : alone->slaves) {
            EXPECT_EQ(s.kind, SlaveKind::macvtap) << alone->id() << " " << s.name;
            EXPECT_EQ(to_string(s.mode), mode) << alone->id() << " " << s.name;
        }
        if (mode == "passthru") continue;  // one passthru slave per parent (macvlan_port_create)
        const auto* mixed = catalog.find("macvtap.mixed." + mode, "hairpin");
        ASSERT_NE(mixed, nullptr) << mode;
        ASSERT_EQ(mixed->slaves.size(), 2u);
        EXPECT_EQ(mixed->slaves[0].kind, SlaveKind::macvlan);
        EXPECT_EQ(mixed->slaves[1].kind, SlaveKind::macvtap);
    }
}

TEST(TopologyCatalog, ControlsAreDerivedFromTheRules) {
    const auto& catalog = testing_support::shipped_catalog();
    const auto* vepa = catalog.find("vepa", "plain");
    ASSERT_EQ(vepa->controls.size(), 3u);
    EXPECT_EQ(vepa->controls[0].from, kExt);
    EXPECT_TRUE(vepa->transmit_controls.empty());
    // No wire: bridge mode still has an echo path between the slaves; the parent has none.
    const auto* dummy = catalog.find("bridge", "dummy");
    EXPECT_EQ(dummy->transmit_controls, std::vector<Endpoint>{kHost});
    ASSERT_EQ(dummy->controls.size(), 1u) << "c2->c1 covers both slaves";
    // A passthru slave takes every unicast frame: nothing answers for the parent.
    const auto* passthru = catalog.find("passthru", "plain");
    EXPECT_EQ(passthru->transmit_controls, std::vector<Endpoint>{kHost});
}

TEST(TopologyCatalog, ShippedCatalogRunsBothMatricesOnEveryProductionParent) {
    const auto& catalog = testing_support::shipped_catalog();
    for (const char* variant : {"bond_active_backup", "bond_balance_rr", "bond_balance_xor", "bond_802_3ad", "bond_balance_tlb",
                                "bond_balance_alb", "team_activebackup", "team_roundrobin", "bridge_parent", "vlan_on_bond"}) {
        const auto* all = catalog.find("parents.all_modes", variant);
        ASSERT_NE(all, nullptr) << variant;
        EXPECT_TRUE(all->broadcast.has_value()) << variant;
        EXPECT_EQ(all->variant.external, ExternalKind::plain) << variant;
        EXPECT_NE(catalog.find("parents.passthru", variant), nullptr) << variant;
    }
    const auto* alb = catalog.find("parents.all_modes", "bond_balance_alb");
    EXPECT_EQ(alb->variant.bond_mode, BondMode::balance_alb);
    EXPECT_EQ(alb->variant.far_end, FarEnd::switch_bridge);
    EXPECT_EQ(alb->variant.parent_label(), "bond (balance-alb, ports to a switch)");
    EXPECT_EQ(catalog.find("parents.all_modes", "bond_802_3ad")->variant.far_end, FarEnd::peer);
    EXPECT_EQ(catalog.find("parents.all_modes", "team_roundrobin")->variant.team_runner, TeamRunner::roundrobin);
}

// A user's file, refused with a message that names the field and says why.
class UserTopology : public ::testing::Test {
protected:
    std::string complaint(const nlohmann::json& doc) {
        file_.write(doc);
        try {
            TopologyCatalog::load_user_topology(file_.path());
        } catch (const FixtureError& e) {
            return e.what();
        }
        return "";
    }
    static nlohmann::json layout(nlohmann::json slaves) {
        return {{"format", "macvlan-conformance/topology/1"}, {"name", "mine"}, {"parent", "veth"}, {"external", "plain"}, {"slaves", slaves}};
    }
    TempFile file_{"topology.json"};
};

// A number too large for a double is nlohmann's out_of_range, not a parse_error: it too is a
// FixtureError naming the file (fuzz_user_topology found "888888E8888888" escaping as std::terminate).
TEST_F(UserTopology, ANumberTooLargeForADoubleIsInvalidJsonNamingTheFile) {
    file_.write(std::string(R"({"format": "macvlan-conformance/topology/1", "name": 888888E8888888})"));
    try {
        TopologyCatalog::load_user_topology(file_.path());
        FAIL() << "a file with a number out of any double's range was read";
    } catch (const FixtureError& e) {
        EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(file_.path().string()), std::string::npos) << e.what();
    }
}

TEST_F(UserTopology, AGoodFileLoadsWithItsVariantAndCompactSlaves) {
    file_.write(layout({{{"name", "shim"}, {"mode", "bridge"}}, {{"count", 6}, {"name", "c{n}"}, {"modes", {"vepa", "private"}}}}));
    const auto catalog = TopologyCatalog::load_user_topology(file_.path());
    ASSERT_EQ(catalog.topologies().size(), 1u);
    const auto& t = catalog.topologies().front();
    EXPECT_EQ(t.id(), "mine.plain");
    ASSERT_EQ(t.slaves.size(), 7u);
    EXPECT_EQ(t.slaves[1].name, "c1");
    EXPECT_EQ(t.slaves[1].mode, MacvlanMode::vepa);
    EXPECT_EQ(t.slaves[2].mode, MacvlanMode::private_);
    EXPECT_EQ(t.slaves[6].name, "c6");
    EXPECT_EQ(t.cell_pairs().size(), 9u * 8u);
}

TEST_F(UserTopology, UnknownModeIsRefused) {
    const auto msg = complaint(layout({{{"name", "c1"}, {"mode", "vepa2"}}}));
    EXPECT_NE(msg.find(file_.path().string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("slaves[0]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unknown mode 'vepa2' (valid: bridge, vepa, private, passthru, source, source+nodst)"), std::string::npos) << msg;
}

TEST_F(UserTopology, PassthruWithASiblingIsRefused) {
    const auto msg = complaint(layout({{{"name", "c1"}, {"mode", "passthru"}}, {{"name", "c2"}, {"mode", "bridge"}}}));
    EXPECT_NE(msg.find("passthru allows exactly one slave per parent"), std::string::npos) << msg;
    EXPECT_NE(msg.find("macvlan_common_newlink"), std::string::npos) << msg;
}

TEST_F(UserTopology, SourceListNamingNobodyIsRefused) {
    const auto msg = complaint(layout({{{"name", "mon"}, {"mode", "source"}, {"source_allow", {"c9"}}}}));
    EXPECT_NE(msg.find("'source_allow' names 'c9', which is no endpoint of this topology"), std::string::npos) << msg;
}

TEST_F(UserTopology, SourceListOnAnotherModeIsRefused) {
    const auto msg = complaint(layout({{{"name", "c1"}, {"mode", "bridge"}, {"source_allow", {"ext"}}}}));
    EXPECT_NE(msg.find("'source_allow' only applies to mode 'source'"), std::string::npos) << msg;
}

TEST_F(UserTopology, SlaveCountOfZeroIsRefused) {
    const auto msg = complaint(layout({{{"count", 0}, {"name", "c{n}"}, {"mode", "bridge"}}}));
    EXPECT_NE(msg.find("'count' is 0: a topology holds 1 to 4096 slaves"), std::string::npos) << msg;
}

TEST_F(UserTopology, SlaveCountOfAHundredThousandIsRefused) {
    const auto msg = complaint(layout({{{"count", 100000}, {"name", "c{n}"}, {"mode", "bridge"}}}));
    EXPECT_NE(msg.find("'count' is 100000: a topology holds 1 to 4096 slaves"), std::string::npos) << msg;
}

TEST_F(UserTopology, DuplicateNamesAreRefused) {
    const auto msg = complaint(layout({{{"name", "c1"}, {"mode", "bridge"}}, {{"count", 2}, {"name", "c{n}"}, {"mode", "vepa"}}}));
    EXPECT_NE(msg.find("slave name 'c1' is used twice"), std::string::npos) << msg;
}

TEST_F(UserTopology, ReservedNamesAreRefused) {
    const auto msg = complaint(layout({{{"name", "ext"}, {"mode", "bridge"}}}));
    EXPECT_NE(msg.find("'ext' names the parent's side or the far end"), std::string::npos) << msg;
}

TEST_F(UserTopology, NodstOnAnotherModeIsRefused) {
    const auto msg = complaint(layout({{{"name", "c1"}, {"mode", "vepa"}, {"nodst", true}}}));
    EXPECT_NE(msg.find("'nodst' only changes a source-mode slave"), std::string::npos) << msg;
}

TEST_F(UserTopology, ADummyParentWithAFarEndIsRefused) {
    auto doc = layout({{{"name", "c1"}, {"mode", "bridge"}}});
    doc["parent"] = "dummy";
    EXPECT_NE(complaint(doc).find("a dummy parent has no wire"), std::string::npos);
}

TEST_F(UserTopology, UnknownKeysAreRefused) {
    auto doc = layout({{{"name", "c1"}, {"mode", "bridge"}}});
    doc["slavez"] = 1;
    EXPECT_NE(complaint(doc).find("unknown key 'slavez'"), std::string::npos);
}

TEST_F(UserTopology, StaticNeighboursNameTheirEndpoints) {
    auto doc = layout({{{"name", "c1"}, {"mode", "private"}}, {{"name", "c2"}, {"mode", "private"}}});
    doc["static_neighbours"] = nlohmann::json::array({nlohmann::json::array({"c1", "c3"})});
    EXPECT_NE(complaint(doc).find("'static_neighbours' names 'c3'"), std::string::npos);
    doc["static_neighbours"] = nlohmann::json::array({nlohmann::json::array({"c1", "c2"})});
    file_.write(doc);
    const auto catalog = TopologyCatalog::load_user_topology(file_.path());
    EXPECT_EQ(catalog.topologies().front().variant.name, "plain-static");
    EXPECT_TRUE(catalog.topologies().front().knows_by_hand("c2", "c1"));
    EXPECT_FALSE(catalog.topologies().front().knows_by_hand("host", "c1"));
}

// Aggregates: the mode decides the far end (FarEnd), and the file must say the one it needs.
class AggregateTopology : public UserTopology {
protected:
    static nlohmann::json on(nlohmann::json parent_fields) {
        auto doc = layout({{{"name", "c1"}, {"mode", "bridge"}}});
        for (auto& [k, v] : parent_fields.items()) doc[k] = v;
        return doc;
    }
};

TEST_F(AggregateTopology, ABondToASwitchLoadsWithItsModeInTheVariantName) {
    file_.write(on({{"parent", "bond"}, {"bond_mode", "active-backup"}, {"far_end", "switch"}}));
    const auto catalog = TopologyCatalog::load_user_topology(file_.path());
    EXPECT_EQ(catalog.topologies().front().id(), "mine.bond_active_backup");
}

TEST_F(AggregateTopology, RoundRobinToASwitchIsRefused) {
    const auto msg = complaint(on({{"parent", "bond"}, {"bond_mode", "balance-rr"}, {"far_end", "switch"}}));
    EXPECT_NE(msg.find("'far_end' must be 'peer' for this mode"), std::string::npos) << msg;
}

TEST_F(AggregateTopology, ActiveBackupToAPeerIsRefused) {
    const auto msg = complaint(on({{"parent", "team"}, {"team_runner", "activebackup"}, {"far_end", "peer"}}));
    EXPECT_NE(msg.find("'far_end' must be 'switch' for this mode"), std::string::npos) << msg;
}

TEST_F(AggregateTopology, BroadcastModeIsRefused) {
    const auto msg = complaint(on({{"parent", "bond"}, {"bond_mode", "broadcast"}, {"far_end", "peer"}}));
    EXPECT_NE(msg.find("bond_xmit_broadcast"), std::string::npos) << msg;
}

TEST_F(AggregateTopology, UnknownModeIsRefusedWithTheValidOnes) {
    const auto msg = complaint(on({{"parent", "bond"}, {"bond_mode", "lacp"}, {"far_end", "peer"}}));
    EXPECT_NE(msg.find("'bond_mode' must be one of active-backup, balance-rr"), std::string::npos) << msg;
}

TEST_F(AggregateTopology, BondModeOnAVethIsRefused) {
    const auto msg = complaint(on({{"bond_mode", "balance-rr"}}));
    EXPECT_NE(msg.find("'bond_mode' applies to parents 'bond' and 'vlan-on-bond' only"), std::string::npos) << msg;
}

TEST_F(AggregateTopology, HairpinBehindABondIsRefused) {
    const auto msg = complaint(on({{"parent", "bond"}, {"bond_mode", "active-backup"}, {"far_end", "switch"}, {"external", "hairpin-bridge"}}));
    EXPECT_NE(msg.find("supports only a plain peer"), std::string::npos) << msg;
}

}  // namespace
}  // namespace mvc
