// SPDX-License-Identifier: MIT
// The kernel log's records and which of them are splats.
#include <gtest/gtest.h>

#include "kmsg_record.hpp"

namespace mvc {
namespace {

bool only_pid_42(long pid) { return pid == 42; }

KmsgRecord record(const std::string& bytes) {
    auto r = parse_kmsg_record(bytes);
    EXPECT_TRUE(r.has_value()) << bytes;
    return r.value_or(KmsgRecord{});
}

TEST(KmsgRecord, ParsesPriorityFacilitySequenceTimeAndText) {
    const auto r = record("4,1234,5678901,-;WARNING: CPU: 1 PID: 7 at net/core/dev.c:10 f+0x1/0x2\n SUBSYSTEM=net\n");
    EXPECT_EQ(r.level, 4);
    EXPECT_EQ(r.facility, 0);
    EXPECT_EQ(r.sequence, 1234u);
    EXPECT_EQ(r.usec, 5678901u);
    EXPECT_EQ(r.text, "WARNING: CPU: 1 PID: 7 at net/core/dev.c:10 f+0x1/0x2");
    EXPECT_EQ(record("12,5,6,c,extra;hello").facility, 1);
}

TEST(KmsgRecord, WhatIsNotARecordIsNone) {
    for (const char* bad : {"", "no semicolon", "4,1,2;too few fields", "x,1,2,-;text", "4,1,,-;text", "99999999,1,2,-;t"})
        EXPECT_FALSE(parse_kmsg_record(bad).has_value()) << bad;
}

TEST(KmsgRecord, KernelSplatsAreRecognised) {
    for (const char* text : {"0,1,2,-;WARNING: CPU: 0 PID: 1 at net/core/rtnetlink.c:1 x", "1,1,2,-;BUG: KASAN: use-after-free in macvlan_broadcast+0x1",
                             "4,1,2,-;kernel BUG at net/core/skbuff.c:1!", "4,1,2,-;Oops: 0000 [#1] PREEMPT SMP",
                             "4,1,2,-;general protection fault, probably for non-canonical address", "3,1,2,-;UBSAN: shift-out-of-bounds in x",
                             "4,1,2,-;RTNL: assertion failed at net/core/dev.c (123)", "0,1,2,-;unregister_netdevice: waiting for mv0 to become free",
                             "4,1,2,-;rtnetlink: something is wrong"})
        EXPECT_TRUE(is_kernel_splat(record(text), nullptr)) << text;
    for (const char* text : {"6,1,2,-;macvlan0: entered promiscuous mode", "6,1,2,-;rtnetlink: registered", "4,1,2,-;veth0: WARNING: later in the line"})
        EXPECT_FALSE(is_kernel_splat(record(text), nullptr)) << text;
}

TEST(KmsgRecord, AUserSpaceLineCountsOnlyWhenItNamesThisProcess) {
    EXPECT_TRUE(is_kernel_splat(record("12,1,2,-;WARNING: CPU: 0 PID: 42 at tests/x.c:1 injected+0x0/0x0"), only_pid_42));
    EXPECT_FALSE(is_kernel_splat(record("12,1,2,-;WARNING: CPU: 0 PID: 43 at tests/x.c:1 injected+0x0/0x0"), only_pid_42))
        << "another program's test line is not this run's kernel";
    EXPECT_FALSE(is_kernel_splat(record("12,1,2,-;WARNING: CPU: 0 PID: 42 at x"), nullptr));
    EXPECT_FALSE(is_kernel_splat(record("28,1,2,-;WARNING: CPU: 0 PID: 42 at x"), only_pid_42)) << "facility 3 (daemon)";
}

TEST(KmsgRecord, TheEndOfATraceEndsTheSplat) {
    EXPECT_TRUE(ends_splat("---[ end trace 0000000000000000 ]---"));
    EXPECT_FALSE(ends_splat("Call Trace:"));
}

}  // namespace
}  // namespace mvc
