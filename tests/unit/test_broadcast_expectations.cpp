#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "broadcast_expectations.hpp"
#include "delivery_probe.hpp"
#include "fixture_error.hpp"
#include "fixture_files.hpp"

namespace mvc {
namespace {

using testing_support::TempFile;

std::filesystem::path shipped_broadcast() {
    return testing_support::shipped_fixtures() / "expectations" / "broadcast.json";
}

class BroadcastExpectationFile : public ::testing::Test {
protected:
    void SetUp() override {
        catalog_ = TopologyCatalog::load(testing_support::shipped_fixtures() / "topologies" / "reachability.json");
        doc_ = testing_support::read(shipped_broadcast());
    }
    // Writes the (modified) document and returns the loader's complaint.
    std::string complaint() {
        file_.write(doc_);
        try {
            BroadcastExpectationSet::load(file_.path(), catalog_);
        } catch (const FixtureError& e) {
            return e.what();
        }
        return "";
    }
    nlohmann::json& first_cell() { return doc_["matrices"][0]["cells"][0]; }
    nlohmann::json& matrix_of(const std::string& mode) {
        for (auto& m : doc_["matrices"])
            if (m["mode"] == mode) return m;
        throw std::logic_error("no matrix for " + mode);
    }

    TopologyCatalog catalog_;
    nlohmann::json doc_;
    TempFile file_{"broadcast.json"};
};

TEST_F(BroadcastExpectationFile, ShippedSetIsCompleteAndEveryCellNamesAMacvlanFunction) {
    const auto set = BroadcastExpectationSet::load(shipped_broadcast(), catalog_);
    size_t expected_cells = 0;
    for (const auto& t : catalog_.topologies()) {
        if (std::find(set.variants().begin(), set.variants().end(), t.variant.name) == set.variants().end()) continue;
        size_t senders = 0;
        for (auto s : set.senders()) senders += t.has(s) ? 1 : 0;
        expected_cells += std::size(kAllFrameKinds) * senders * t.endpoints().size();
    }
    EXPECT_EQ(set.cells().size(), expected_cells);
    EXPECT_GE(set.cells().size(), 150u);
    for (const auto& [cell, e] : set.cells())
        EXPECT_NE(e.reason.find("macvlan_"), std::string::npos) << cell.name() << ": " << e.reason;
}

// The probe's controls assume that ext's broadcast reaches every other endpoint in every covered
// topology; the data must say the same, or a "not delivered" would rest on a broken control.
TEST_F(BroadcastExpectationFile, ShippedSetAgreesWithTheControls) {
    const auto set = BroadcastExpectationSet::load(shipped_broadcast(), catalog_);
    for (const auto& [cell, e] : set.cells()) {
        if (cell.frame != FrameKind::broadcast) continue;
        const bool from_ext_to_another = cell.from == Endpoint::ext && cell.to != Endpoint::ext;
        const bool from_another_to_ext = cell.from != Endpoint::ext && cell.to == Endpoint::ext;
        if (from_ext_to_another || from_another_to_ext) {
            EXPECT_EQ(e.expected, Delivery::delivered) << cell.name();
        }
    }
}

TEST_F(BroadcastExpectationFile, MisspelledVerdictNamesFileEntryAndValue) {
    first_cell()["expected"] = "not_delivered";
    const auto msg = complaint();
    EXPECT_NE(msg.find(file_.path().string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("matrices[0] (bridge.plain/broadcast) cells[0]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'expected' must be \"delivered\" or \"not delivered\", got \"not_delivered\""), std::string::npos)
        << msg;
}

TEST_F(BroadcastExpectationFile, MissingReasonIsRefused) {
    first_cell().erase("reason");
    EXPECT_NE(complaint().find("'reason' is missing or empty"), std::string::npos);
}

TEST_F(BroadcastExpectationFile, MultiLineReasonIsRefused) {
    first_cell()["reason"] = "macvlan_queue_xmit\nand more";
    EXPECT_NE(complaint().find("'reason' must be one line"), std::string::npos);
}

TEST_F(BroadcastExpectationFile, MissingCellMakesTheSetIncomplete) {
    const std::string first = std::string(first_cell()["from"]) + "->" + std::string(first_cell()["to"]);
    doc_["matrices"][0]["cells"].erase(0);
    const auto msg = complaint();
    EXPECT_NE(msg.find("matrix bridge.plain/broadcast: incomplete: no expectation for " + first), std::string::npos) << msg;
}

TEST_F(BroadcastExpectationFile, MissingMatrixMakesTheSetIncomplete) {
    doc_["matrices"].erase(1);  // bridge.plain multicast
    EXPECT_NE(complaint().find("matrix bridge.plain/multicast: incomplete"), std::string::npos);
}

TEST_F(BroadcastExpectationFile, DuplicateCellIsRefused) {
    doc_["matrices"][0]["cells"].push_back(first_cell());
    EXPECT_NE(complaint().find("this cell is listed twice"), std::string::npos);
}

TEST_F(BroadcastExpectationFile, UnknownKeyIsRefused) {
    first_cell()["expect"] = "delivered";
    EXPECT_NE(complaint().find("unknown key 'expect'"), std::string::npos);
}

TEST_F(BroadcastExpectationFile, UnknownFrameKindIsRefused) {
    doc_["matrices"][0]["frame"] = "anycast";
    EXPECT_NE(complaint().find("unknown frame kind 'anycast'"), std::string::npos);
}

TEST_F(BroadcastExpectationFile, WrongFormatIsRefused) {
    doc_["format"] = "macvlan-conformance/reachability-expectations/1";
    EXPECT_NE(complaint().find("'format' must be \"macvlan-conformance/broadcast-expectations/1\""), std::string::npos);
}

TEST_F(BroadcastExpectationFile, MatrixForAnUncoveredVariantIsRefused) {
    doc_["matrices"][0]["variant"] = "hairpin-static";
    EXPECT_NE(complaint().find("variant 'hairpin-static' is not listed in 'variants'"), std::string::npos);
}

TEST_F(BroadcastExpectationFile, UnknownVariantIsRefused) {
    doc_["variants"].push_back("hairpinn");
    EXPECT_NE(complaint().find("'variants': no variant 'hairpinn' in the topology catalog"), std::string::npos);
}

// The controls are ext's broadcasts: a parent with no wire has nothing to judge "not delivered" by.
TEST_F(BroadcastExpectationFile, VariantWithoutExtIsRefused) {
    doc_["variants"].push_back("dummy");
    EXPECT_NE(complaint().find("has no ext, and the broadcast controls are sent from ext"), std::string::npos);
}

TEST_F(BroadcastExpectationFile, CellFromAnUnlistedSenderIsRefused) {
    first_cell()["from"] = "c2";
    EXPECT_NE(complaint().find("c2 is not listed in 'senders'"), std::string::npos);
}

TEST_F(BroadcastExpectationFile, EndpointTheTopologyLacksIsRefused) {
    matrix_of("passthru")["cells"][0]["to"] = "c2";
    EXPECT_NE(complaint().find("topology passthru.plain has no such endpoint"), std::string::npos);
}

TEST_F(BroadcastExpectationFile, UnknownSenderIsRefused) {
    doc_["senders"].push_back("c3");
    EXPECT_NE(complaint().find("'senders': unknown endpoint 'c3'"), std::string::npos) << complaint();
}

TEST_F(BroadcastExpectationFile, RepeatedGroupMemberIsRefused) {
    doc_["group_members"].push_back("c1");
    EXPECT_NE(complaint().find("'group_members' names c1 twice"), std::string::npos);
}

TEST_F(BroadcastExpectationFile, GroupMemberATopologyLacksIsRefused) {
    doc_["group_members"] = {"c2"};
    EXPECT_NE(complaint().find("'group_members': topology passthru.plain has no c2"), std::string::npos);
}

TEST_F(BroadcastExpectationFile, MissingFileIsRefused) {
    EXPECT_THROW(BroadcastExpectationSet::load("/nonexistent/broadcast.json", catalog_), FixtureError);
}

TEST(BroadcastCellNames, FollowTheReportConvention) {
    BroadcastCellId c{MacvlanMode::vepa, "hairpin", FrameKind::broadcast, Endpoint::c1, Endpoint::c2};
    EXPECT_EQ(c.name(), "broadcast.vepa.hairpin.broadcast.from_c1.to_c2");
    EXPECT_EQ(c.group(), "broadcast.vepa.hairpin");
    c.variant = "hairpin-static";
    c.frame = FrameKind::multicast;
    EXPECT_EQ(c.name(), "broadcast.vepa.hairpin_static.multicast.from_c1.to_c2");  // no '-' for gtest filters
}

// Hash collisions between the test groups are impossible only if they differ in byte 5 alone, and
// a collision with broadcast only if bytes 2..4 are broadcast's.
TEST(DeliveryTestGroups, DifferOnlyInTheTopByteOfTheHashedWord) {
    const auto groups = delivery_test_groups();
    ASSERT_GE(groups.size(), 4u);
    std::set<uint8_t> top_bytes;
    for (const auto& g : groups) {
        const auto& b = g.bytes();
        EXPECT_EQ(b[0] & 1, 1) << g.str() << " is not a multicast address";
        EXPECT_EQ(b[2], 0xff);
        EXPECT_EQ(b[3], 0xff);
        EXPECT_EQ(b[4], 0xff);
        EXPECT_NE(b[5], 0xff) << "that would be broadcast's bit";
        top_bytes.insert(b[5]);
    }
    EXPECT_EQ(top_bytes.size(), groups.size());
}

}  // namespace
}  // namespace mvc
