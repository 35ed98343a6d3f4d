// SPDX-License-Identifier: MIT
// The journal's file format: what `restore` reads back after a crash, possibly written by another
// version of the tool.
#include <gtest/gtest.h>

#include "fixture_files.hpp"
#include "interface_journal.hpp"

namespace mvc {
namespace {

using testing_support::TempFile;

nlohmann::json interface_json() {
    return {{"role", "peer"}, {"name", "nic1"},  {"ifindex", 3},    {"mac", "02:50:00:00:00:01"}, {"mtu", 1400},
            {"up", true},     {"promisc_flag", false}, {"promiscuity", 0}, {"addresses", nlohmann::json::array()},
            {"master", ""},   {"uppers", nlohmann::json::array()}};
}

nlohmann::json journal_json(const std::string& format, const nlohmann::json& interface) {
    return {{"format", format}, {"pid", 4242}, {"started", "2024-01-01T00:00:00Z"}, {"machine_netns", 4026531840u},
            {"pinned_namespaces", nlohmann::json::array({"mvc4242-ext"})}, {"interfaces", nlohmann::json::array({interface})}};
}

TEST(InterfaceJournal, AFormatOneJournalIsReadWithoutSettings) {
    TempFile file("journal-4242.json");
    file.write(journal_json("macvlan-conformance/journal/1", interface_json()));
    const auto journal = InterfaceJournal::read(file.path());
    ASSERT_EQ(journal.interfaces.size(), 1u);
    EXPECT_EQ(journal.interfaces[0].name, "nic1");
    EXPECT_EQ(journal.interfaces[0].mtu, 1400u);
    EXPECT_FALSE(journal.interfaces[0].settings.has_value()) << "format 1 recorded none: restore must leave them alone";
}

TEST(InterfaceJournal, SettingsSurviveTheRoundTripThroughJson) {
    InterfaceState state = InterfaceState::from_json(interface_json());
    state.settings = DeviceSettings{{{"ipv6/conf/addr_gen_mode", "1"}, {"ipv6/conf/disable_ipv6", "1"}, {"ipv4/conf/arp_ignore", "2"},
                                     {"ipv4/neigh/retrans_time_ms", "1500"}}};
    TempFile file("journal-4242.json");
    file.write(journal_json(std::string(InterfaceJournal::kFormatPrefix) + std::to_string(InterfaceJournal::kFormat), state.json()));
    const auto journal = InterfaceJournal::read(file.path());
    ASSERT_EQ(journal.interfaces.size(), 1u);
    ASSERT_TRUE(journal.interfaces[0].settings.has_value());
    EXPECT_EQ(*journal.interfaces[0].settings, *state.settings);
    EXPECT_EQ(journal.interfaces[0].differences(state), std::vector<std::string>{});
}

TEST(InterfaceJournal, ALaterFormatIsRefusedWithTheReason) {
    TempFile file("journal-4242.json");
    file.write(journal_json("macvlan-conformance/journal/99", interface_json()));
    try {
        InterfaceJournal::read(file.path());
        FAIL() << "a journal of format 99 was read";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("format 99"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("the version that wrote it"), std::string::npos) << e.what();
    }
}

TEST(InterfaceJournal, AnotherFileIsNoJournal) {
    TempFile file("journal-4242.json");
    file.write(nlohmann::json{{"format", "something/else/1"}});
    EXPECT_THROW(InterfaceJournal::read(file.path()), std::runtime_error);
}

// nlohmann would cast a float or an out-of-range number to int (undefined behaviour); found by
// fuzz_journal with "pid": 40e242.
TEST(InterfaceJournal, ANumberOutOfItsFieldsRangeIsRefusedNamingTheField) {
    const std::string format = std::string(InterfaceJournal::kFormatPrefix) + std::to_string(InterfaceJournal::kFormat);
    for (const auto& [field, value] : std::vector<std::pair<std::string, nlohmann::json>>{
             {"pid", 4e242}, {"pid", 4242.5}, {"pid", 1ull << 40}, {"machine_netns", -1}}) {
        auto j = journal_json(format, interface_json());
        j[field] = value;
        try {
            InterfaceJournal::parse(j.dump(), "journal-4242.json");
            FAIL() << field << " = " << value.dump() << " was read";
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find("\"" + field + "\""), std::string::npos) << e.what();
        }
    }
    for (const auto& [field, value] : std::vector<std::pair<std::string, nlohmann::json>>{
             {"mtu", -1}, {"ifindex", 1e10}, {"promiscuity", 1ull << 33}}) {
        auto interface = interface_json();
        interface[field] = value;
        EXPECT_THROW(InterfaceJournal::parse(journal_json(format, interface).dump(), "journal-4242.json"), std::runtime_error)
            << field << " = " << value.dump();
    }
    EXPECT_EQ(InterfaceJournal::parse(journal_json(format, interface_json()).dump(), "journal-4242.json").pid, 4242);
}

TEST(InterfaceJournal, SettingsThatDifferAreNamedAsSysctlDoes) {
    InterfaceState then = InterfaceState::from_json(interface_json());
    then.settings = DeviceSettings{{{"ipv6/conf/addr_gen_mode", "1"}, {"ipv4/conf/arp_ignore", "2"}, {"ipv6/conf/disable_ipv6", "1"}}};
    InterfaceState now = then;
    now.settings = DeviceSettings{{{"ipv6/conf/addr_gen_mode", "0"}, {"ipv4/conf/arp_ignore", "2"}, {"ipv6/conf/stable_secret", "::1"}}};
    const auto d = now.differences(then);
    const std::vector<std::string> expected{"net.ipv6.conf.nic1.addr_gen_mode is 0, was 1",
                                            "net.ipv6.conf.nic1.disable_ipv6 is absent, was 1",
                                            "net.ipv6.conf.nic1.stable_secret is ::1, was unset"};
    EXPECT_EQ(d, expected);
}

}  // namespace
}  // namespace mvc
