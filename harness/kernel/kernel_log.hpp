// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "kmsg_record.hpp"
#include "unique_fd.hpp"

namespace mvc {

// The kernel's log (/dev/kmsg) from the moment it is opened on: every reader of /dev/kmsg has its
// own position, so a run sees what the kernel said during the run, and nothing before.
class KernelLog {
public:
    // Opens /dev/kmsg at its end. Throws SystemError when it cannot be read (no CAP_SYSLOG, no
    // /dev/kmsg), with the reason.
    KernelLog();
    // Every record written since the last call. Records the kernel overwrote before they were read
    // (EPIPE) are counted in missed().
    std::vector<KmsgRecord> read_new();
    unsigned long missed() const { return missed_; }

private:
    UniqueFd fd_;
    unsigned long missed_ = 0;
};

}  // namespace mvc
