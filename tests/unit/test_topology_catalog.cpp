#include <gtest/gtest.h>

#include "fixture_error.hpp"
#include "fixture_files.hpp"
#include "topology_spec.hpp"

namespace mvc {
namespace {

using testing_support::TempFile;

nlohmann::json shipped() { return testing_support::read(testing_support::shipped_fixtures() / "topologies" / "reachability.json"); }

std::string complaint(const nlohmann::json& doc) {
    TempFile f("topologies.json");
    f.write(doc);
    try {
        TopologyCatalog::load(f.path());
    } catch (const FixtureError& e) {
        return e.what();
    }
    return "";
}

TEST(TopologyCatalog, ShippedCatalogCoversEveryModeAndVariant) {
    const auto c = TopologyCatalog::load(testing_support::shipped_fixtures() / "topologies" / "reachability.json");
    for (auto mode : {MacvlanMode::bridge, MacvlanMode::vepa, MacvlanMode::private_, MacvlanMode::passthru, MacvlanMode::source}) {
        for (const char* v : {"plain", "hairpin", "dummy"}) EXPECT_NE(c.find(mode, v), nullptr) << to_string(mode) << "/" << v;
    }
    EXPECT_NE(c.find(MacvlanMode::vepa, "hairpin-static"), nullptr);
    EXPECT_NE(c.find(MacvlanMode::private_, "hairpin-static"), nullptr);
    const auto* passthru = c.find(MacvlanMode::passthru, "plain");
    EXPECT_EQ(passthru->endpoints().size(), 3u);  // host, ext, c1: passthru allows one slave
    EXPECT_FALSE(c.find(MacvlanMode::bridge, "dummy")->has(Endpoint::ext));
    ASSERT_EQ(c.find(MacvlanMode::source, "plain")->source_allow.size(), 1u);
}

TEST(TopologyCatalog, PassthruWithTwoSlavesIsRefused) {
    auto doc = shipped();
    for (auto& t : doc["topologies"])
        if (t["mode"] == "passthru") t["slaves"] = {"c1", "c2"};
    EXPECT_NE(complaint(doc).find("passthru allows exactly one slave"), std::string::npos);
}

TEST(TopologyCatalog, TopologyWithoutControlsIsRefused) {
    auto doc = shipped();
    doc["topologies"][0].erase("controls");
    EXPECT_NE(complaint(doc).find("needs at least one control"), std::string::npos);
}

TEST(TopologyCatalog, UndefinedVariantIsRefused) {
    auto doc = shipped();
    doc["topologies"][0]["variant"] = "hairpinn";
    const auto msg = complaint(doc);
    EXPECT_NE(msg.find("topologies[0]: variant 'hairpinn' is not defined"), std::string::npos) << msg;
}

TEST(TopologyCatalog, MalformedControlIsRefused) {
    auto doc = shipped();
    doc["topologies"][0]["controls"] = {"ext=>c1"};
    EXPECT_NE(complaint(doc).find("'controls' entries look like"), std::string::npos);
}

}  // namespace
}  // namespace mvc
