// SPDX-License-Identifier: MIT
// Nothing a local user plants can steer the tool when it runs as root: the sweep of stale ssh
// control directories removes only what the tool made, and restore replays only journals root wrote.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fixture_files.hpp"
#include "interface_journal.hpp"
#include "owned_paths.hpp"
#include "remote_shell.hpp"

namespace mvc {
namespace {

namespace fs = std::filesystem;

// A pid no process has: a child that has exited and been reaped.
int dead_pid() {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
    return child;
}

class ScratchDirectory : public ::testing::Test {
protected:
    void SetUp() override {
        char dir[] = "/tmp/mvc-owned-XXXXXX";
        ASSERT_NE(::mkdtemp(dir), nullptr);
        base_ = dir;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(base_, ec);
    }
    fs::path base_;
};

using ControlDirectorySweep = ScratchDirectory;

TEST_F(ControlDirectorySweep, RemovesAStaleDirectoryOfItsOwn) {
    const fs::path mine = base_ / ("mvc-ssh-" + std::to_string(dead_pid()) + "-abc123");
    fs::create_directory(mine);
    fs::permissions(mine, fs::perms::owner_all);
    std::ofstream(mine / "master") << "";
    RemoteShell::remove_stale_control_directories(base_);
    EXPECT_FALSE(fs::exists(fs::symlink_status(mine)));
}

TEST_F(ControlDirectorySweep, APlantedSymlinkIsNeitherFollowedNorDeleted) {
    const fs::path victim = base_ / "victim";
    fs::create_directory(victim);
    fs::permissions(victim, fs::perms::owner_all);
    std::ofstream(victim / "precious") << "keep me";
    const fs::path planted = base_ / ("mvc-ssh-" + std::to_string(dead_pid()) + "-planted");
    fs::create_directory_symlink(victim, planted);
    RemoteShell::remove_stale_control_directories(base_);
    EXPECT_TRUE(fs::is_symlink(fs::symlink_status(planted))) << "the symlink is not ours to remove";
    EXPECT_TRUE(fs::exists(victim / "precious")) << "the sweep followed the symlink";
}

TEST_F(ControlDirectorySweep, AnotherUsersDirectoryOfTheSameNameIsLeftAlone) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: the planted directory belongs to another user (chown)";
    const fs::path planted = base_ / ("mvc-ssh-" + std::to_string(dead_pid()) + "-foreign");
    fs::create_directory(planted);
    fs::permissions(planted, fs::perms::owner_all);
    std::ofstream(planted / "theirs") << "not root's";
    ASSERT_EQ(::chown(planted.c_str(), 65534, 65534), 0);
    RemoteShell::remove_stale_control_directories(base_);
    EXPECT_TRUE(fs::exists(planted / "theirs")) << "another user's directory was emptied";
}

TEST_F(ControlDirectorySweep, ADirectoryWithAnotherModeOrASubdirectoryIsNotOneItMade) {
    const fs::path loose = base_ / ("mvc-ssh-" + std::to_string(dead_pid()) + "-loose");
    fs::create_directory(loose);
    fs::permissions(loose, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
    const fs::path nested = base_ / ("mvc-ssh-" + std::to_string(dead_pid()) + "-nested");
    fs::create_directories(nested / "deeper");
    fs::permissions(nested, fs::perms::owner_all);
    std::ofstream(nested / "deeper" / "file") << "";
    RemoteShell::remove_stale_control_directories(base_);
    EXPECT_TRUE(fs::exists(loose));
    EXPECT_TRUE(fs::exists(nested / "deeper" / "file"));
}

using TrustedJournal = ScratchDirectory;

void write_journal(const fs::path& file) {
    std::ofstream(file) << R"({"format": "macvlan-conformance/journal/2", "pid": 4242, "started": "x", "pinned_namespaces": [],)"
                        << R"( "interfaces": []})";
}

TEST_F(TrustedJournal, AJournalOfItsOwnIsRead) {
    write_journal(base_ / "journal-4242.json");
    fs::permissions(base_ / "journal-4242.json", fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(InterfaceJournal::read(base_ / "journal-4242.json").pid, 4242);
}

TEST_F(TrustedJournal, AWorldWritableJournalIsRefusedWithTheReason) {
    write_journal(base_ / "journal-4242.json");
    fs::permissions(base_ / "journal-4242.json", fs::perms::all);
    try {
        InterfaceJournal::read(base_ / "journal-4242.json");
        FAIL() << "a journal anyone could have written was read";
    } catch (const UntrustedPath& e) {
        EXPECT_NE(std::string(e.what()).find("writable by group or others (mode 0777)"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("chmod go-w"), std::string::npos) << "the fix is named: " << e.what();
    }
}

TEST_F(TrustedJournal, AJournalInADirectoryAnyoneCanWriteIsRefused) {
    write_journal(base_ / "journal-4242.json");
    fs::permissions(base_, fs::perms::all);
    try {
        InterfaceJournal::read(base_ / "journal-4242.json");
        FAIL() << "a journal in a world-writable directory was read";
    } catch (const UntrustedPath& e) {
        EXPECT_NE(std::string(e.what()).find("refusing the directory " + base_.string()), std::string::npos) << e.what();
    }
}

TEST_F(TrustedJournal, ASymlinkedJournalIsRefused) {
    write_journal(base_ / "elsewhere.json");
    fs::create_symlink(base_ / "elsewhere.json", base_ / "journal-4242.json");
    EXPECT_THROW(InterfaceJournal::read(base_ / "journal-4242.json"), UntrustedPath);
}

TEST_F(TrustedJournal, AnotherUsersJournalIsRefused) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: the journal belongs to another user (chown)";
    write_journal(base_ / "journal-4242.json");
    ASSERT_EQ(::chown((base_ / "journal-4242.json").c_str(), 65534, 65534), 0);
    try {
        InterfaceJournal::read(base_ / "journal-4242.json");
        FAIL() << "another user's journal was read";
    } catch (const UntrustedPath& e) {
        EXPECT_NE(std::string(e.what()).find("owned by uid 65534"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace mvc
