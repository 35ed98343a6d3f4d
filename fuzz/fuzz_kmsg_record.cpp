// SPDX-License-Identifier: MIT
// Records of /dev/kmsg as KernelLogWatch reads them (harness/kernel/kmsg_record): one read() is one
// record, whatever its bytes. The parser throws nothing; a record it accepts has a level and a
// facility prio can hold, and the splat checks run on it. Anything else is a crash.
#include <cstdlib>
#include <string_view>

#include "kmsg_record.hpp"

using namespace mvc;

namespace {
bool any_pid_is_ours(long) { return true; }
bool no_pid_is_ours(long) { return false; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto record = parse_kmsg_record(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!record) return 0;
    if (record->level < 0 || record->level > 7 || record->facility < 0) std::abort();
    // A user-space record never counts for a run that owns no PID.
    if (record->facility != 0 && is_kernel_splat(*record, no_pid_is_ours)) std::abort();
    (void)is_kernel_splat(*record, any_pid_is_ours);
    (void)ends_splat(record->text);
    return 0;
}
