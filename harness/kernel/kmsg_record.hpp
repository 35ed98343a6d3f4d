// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mvc {

// One record of /dev/kmsg (Documentation/ABI/testing/dev-kmsg):
//   "<prio>,<seq>,<usec>,<flags>[,...];<text>\n" then " KEY=value\n" lines (the device's own).
struct KmsgRecord {
    int level = 0;     // prio & 7: 0 emerg .. 4 warning .. 7 debug
    int facility = 0;  // prio >> 3: 0 the kernel, 1 user space (a write to /dev/kmsg)
    uint64_t sequence = 0;
    uint64_t usec = 0;  // since boot
    std::string text;   // the message, its \xNN escapes left as they are
};

// Parses one record as read() returns it. Pure, for any bytes (a fuzz target feeds it): nullopt
// for what is not a record.
std::optional<KmsgRecord> parse_kmsg_record(std::string_view bytes);

// Whether the record opens a kernel splat: a WARNING (WARN_ON: "WARNING: CPU: 0 PID: 1 at ...",
// lockdep's and RCU's "WARNING: ..."), a BUG or KASAN report ("BUG: ..."), "kernel BUG at", an
// Oops, a general protection fault, a UBSAN report, ASSERT_RTNL's "RTNL: assertion failed", a
// device whose references never drop ("unregister_netdevice: waiting for"), or a warning from
// rtnetlink. A user-space record (facility 1: anyone root can write /dev/kmsg) counts only when it
// claims a PID for which `ours(pid)` is true: the run's own process, never another program's
// line, which may be a test of its own.
bool is_kernel_splat(const KmsgRecord& record, bool (*ours)(long pid));

// Whether `text` ends a splat's report ("---[ end trace ...]---").
bool ends_splat(std::string_view text);

}  // namespace mvc
