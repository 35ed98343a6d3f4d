// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <string>

namespace mvc {

// Who made a leftover, in a form that outlives the process: "<pid namespace inode>-<pid>-<process
// start time>". A pid alone is reused; with its start time (field 22 of /proc/<pid>/stat) it names
// one process for good. The engine suites label their containers, networks and images with it; the
// CNI suite names its fallback scratch directories with it.

// This process's tag.
const std::string& owner_tag();
// The tag of the process `pid` of this PID namespace; "" when there is no such process.
std::string owner_tag_of(pid_t pid);
// Is the tag's process certainly gone? Unknown (another PID namespace, a tag that does not parse)
// counts as running: only leftovers that are certainly orphaned are removed.
bool owner_is_gone(const std::string& tag);

}  // namespace mvc
