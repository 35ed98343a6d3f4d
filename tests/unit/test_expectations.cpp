#include <gtest/gtest.h>

#include "expectations.hpp"
#include "fixture_error.hpp"
#include "fixture_files.hpp"

namespace mvc {
namespace {

using testing_support::TempFile;

class ExpectationFile : public ::testing::Test {
protected:
    void SetUp() override {
        catalog_ = TopologyCatalog::load(testing_support::shipped_fixtures() / "topologies" / "reachability.json");
        doc_ = testing_support::read(testing_support::shipped_fixtures() / "expectations" / "reachability.json");
    }
    // Writes the (modified) document and returns the loader's complaint.
    std::string complaint() {
        file_.write(doc_);
        try {
            ExpectationSet::load(file_.path(), catalog_);
        } catch (const FixtureError& e) {
            return e.what();
        }
        return "";
    }
    nlohmann::json& first_cell() { return doc_["matrices"][0]["cells"][0]; }

    TopologyCatalog catalog_;
    nlohmann::json doc_;
    TempFile file_{"expectations.json"};
};

TEST_F(ExpectationFile, ShippedSetIsCompleteAndEveryCellSaysWhy) {
    const auto set = ExpectationSet::load(testing_support::shipped_fixtures() / "expectations" / "reachability.json", catalog_);
    size_t expected_cells = 0;
    for (const auto& t : catalog_.topologies()) expected_cells += 2 * t.endpoints().size() * (t.endpoints().size() - 1);
    EXPECT_EQ(set.cells().size(), expected_cells);
    EXPECT_GE(set.cells().size(), 200u);
    for (const auto& [cell, e] : set.cells()) EXPECT_FALSE(e.reason.empty()) << cell.name();
}

TEST_F(ExpectationFile, ShippedSetTreatsBothFamiliesAlike) {
    // ARP and ND both resolve through broadcast/multicast, which is what macvlan modes filter.
    const auto set = ExpectationSet::load(testing_support::shipped_fixtures() / "expectations" / "reachability.json", catalog_);
    for (const auto& [cell, e] : set.cells()) {
        if (cell.family != Family::ipv4) continue;
        CellId v6 = cell;
        v6.family = Family::ipv6;
        EXPECT_EQ(e.expected, set.at(v6).expected) << cell.name();
    }
}

TEST_F(ExpectationFile, MisspelledVerdictNamesFileEntryAndValue) {
    first_cell()["expected"] = "blokced";
    const auto msg = complaint();
    EXPECT_NE(msg.find(file_.path().string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("matrices[0] (bridge.plain/ipv4) cells[0]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'expected' must be \"reachable\" or \"blocked\", got \"blokced\""), std::string::npos) << msg;
}

TEST_F(ExpectationFile, MissingReasonIsRefused) {
    first_cell().erase("reason");
    EXPECT_NE(complaint().find("'reason' is missing or empty"), std::string::npos);
}

TEST_F(ExpectationFile, MissingCellMakesTheSetIncomplete) {
    doc_["matrices"][0]["cells"].erase(0);
    const auto msg = complaint();
    EXPECT_NE(msg.find("matrix bridge.plain/ipv4: incomplete: no expectation for host->ext"), std::string::npos) << msg;
}

TEST_F(ExpectationFile, DuplicateCellIsRefused) {
    doc_["matrices"][0]["cells"].push_back(first_cell());
    EXPECT_NE(complaint().find("host->ext: this cell is listed twice"), std::string::npos);
}

TEST_F(ExpectationFile, UnknownKeyIsRefused) {
    first_cell()["expect"] = "reachable";
    EXPECT_NE(complaint().find("unknown key 'expect'"), std::string::npos);
}

TEST_F(ExpectationFile, EndpointTheTopologyLacksIsRefused) {
    for (auto& m : doc_["matrices"])
        if (m["mode"] == "passthru") {
            m["cells"][0]["to"] = "c2";
            break;
        }
    EXPECT_NE(complaint().find("has no such endpoint"), std::string::npos);
}

TEST_F(ExpectationFile, UnknownModeIsRefused) {
    doc_["matrices"][0]["mode"] = "bridged";
    EXPECT_NE(complaint().find("unknown macvlan mode 'bridged'"), std::string::npos);
}

TEST_F(ExpectationFile, InvalidJsonIsRefused) {
    file_.write(std::string("{\"format\": "));
    try {
        ExpectationSet::load(file_.path(), catalog_);
        FAIL() << "accepted invalid JSON";
    } catch (const FixtureError& e) {
        EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos);
    }
}

TEST_F(ExpectationFile, MissingFileIsRefused) {
    EXPECT_THROW(ExpectationSet::load("/nonexistent/expectations.json", catalog_), FixtureError);
}

TEST(CellNames, FollowTheReportConvention) {
    CellId c{MacvlanMode::vepa, "hairpin", Family::ipv4, Endpoint::c1, Endpoint::c2};
    EXPECT_EQ(c.name(), "reachability.vepa.hairpin.ipv4.c1_to_c2");
    c.variant = "hairpin-static";
    EXPECT_EQ(c.name(), "reachability.vepa.hairpin_static.ipv4.c1_to_c2");  // no '-' for gtest filters
    EXPECT_EQ(c.group(), "reachability.vepa.hairpin_static");
}

}  // namespace
}  // namespace mvc
