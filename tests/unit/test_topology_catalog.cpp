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

}  // namespace
}  // namespace mvc
