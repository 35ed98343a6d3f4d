// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "remote_peer.hpp"
#include "remote_shell.hpp"

namespace mvc {
namespace {

TEST(RemoteShellQuoting, PlainWordsStayAsTheyAre) {
    EXPECT_EQ(RemoteShell::quote("ip"), "ip");
    EXPECT_EQ(RemoteShell::quote("2001:db8:4d56::7/64"), "2001:db8:4d56::7/64");
    EXPECT_EQ(RemoteShell::quote("eth0.10"), "eth0.10");
}

TEST(RemoteShellQuoting, EverythingTheShellWouldInterpretIsQuoted) {
    EXPECT_EQ(RemoteShell::quote(""), "''");
    EXPECT_EQ(RemoteShell::quote("a b"), "'a b'");
    EXPECT_EQ(RemoteShell::quote("$(reboot)"), "'$(reboot)'");
    EXPECT_EQ(RemoteShell::quote("x;y"), "'x;y'");
    EXPECT_EQ(RemoteShell::quote("it's"), "'it'\\''s'");
    EXPECT_EQ(RemoteShell::command_line({"ip", "link", "show", "dev", "eth 1"}), "ip link show dev 'eth 1'");
}

TEST(RemoteShellArguments, OneMultiplexedBatchConnectionAndTheQuotedCommandLast) {
    const auto args = RemoteShell::ssh_arguments({"root@lab2", "/etc/mvc/ssh_config"}, "/tmp/mvc-ssh-1-x/master",
                                                 {"ping", "-I", "a b", "2001:db8::1"});
    ASSERT_GE(args.size(), 4u);
    EXPECT_EQ(args[0], "-F");
    EXPECT_EQ(args[1], "/etc/mvc/ssh_config");
    auto has = [&](const std::string& option) { return std::find(args.begin(), args.end(), option) != args.end(); };
    EXPECT_TRUE(has("BatchMode=yes")) << "nobody can type a password in CI";
    EXPECT_TRUE(has("ControlMaster=no")) << "only the first command may become the master";
    EXPECT_TRUE(has("ControlPath=/tmp/mvc-ssh-1-x/master"));
    // "--" ends ssh's options: a destination can never be read as one.
    EXPECT_EQ(args[args.size() - 3], "--");
    EXPECT_EQ(args[args.size() - 2], "root@lab2");
    EXPECT_EQ(args.back(), "ping -I 'a b' 2001:db8::1");
}

TEST(RemoteShellArguments, NoConfigFileMeansSshsOwnDefaults) {
    const auto args = RemoteShell::ssh_arguments({"lab2", ""}, "/tmp/m", {"true"});
    EXPECT_EQ(std::find(args.begin(), args.end(), "-F"), args.end());
}

TEST(RemotePeerPing, WindowsAreRoundedUpToWholeSeconds) {
    using std::chrono::milliseconds;
    EXPECT_EQ(RemotePeer::ping_deadline_seconds(milliseconds(300)), 1);
    EXPECT_EQ(RemotePeer::ping_deadline_seconds(milliseconds(1000)), 1);
    EXPECT_EQ(RemotePeer::ping_deadline_seconds(milliseconds(1001)), 2);
    EXPECT_EQ(RemotePeer::ping_deadline_seconds(milliseconds(0)), 1);
}

}  // namespace
}  // namespace mvc
