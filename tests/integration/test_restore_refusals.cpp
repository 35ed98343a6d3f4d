// SPDX-License-Identifier: MIT
// `restore` replays journals as root: it refuses one that anyone else could have written, saying
// why, and touches nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "conformance_process.hpp"

namespace mvc {
namespace {

namespace fs = std::filesystem;

class RestoreRefusals : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: restore replays as root";
        char dir[] = "/tmp/mvc-restore-XXXXXX";
        ASSERT_NE(::mkdtemp(dir), nullptr);
        dir_ = dir;
        // A journal that would move nic-planted back from a namespace a local user pinned.
        journal_ = dir_ / "journal-999999.json";
        std::ofstream(journal_) << R"({"format": "macvlan-conformance/journal/2", "pid": 999999, "started": "x",)"
                                << R"( "pinned_namespaces": ["planted"], "interfaces": []})";
    }
    void TearDown() override {
        std::error_code ec;
        if (!dir_.empty()) fs::remove_all(dir_, ec);
    }
    fs::path dir_, journal_;
};

TEST_F(RestoreRefusals, AWorldWritableJournalIsRefusedWithTheReason) {
    fs::permissions(journal_, fs::perms::all);
    const auto r = testing_support::run_conformance({"restore", journal_.string()});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("refusing " + journal_.string() + ": it is writable by group or others (mode 0777)"), std::string::npos)
        << r.out;
    EXPECT_TRUE(fs::exists(journal_)) << "a refused journal is left for its owner to look at";
}

TEST_F(RestoreRefusals, AJournalInALooseDirectoryIsRefused) {
    fs::permissions(dir_, fs::perms::all);
    const auto r = testing_support::run_conformance({"restore", journal_.string()});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("refusing the directory " + dir_.string()), std::string::npos) << r.out;
}

}  // namespace
}  // namespace mvc
