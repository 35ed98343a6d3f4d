// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "unique_fd.hpp"

namespace mvc {

// A directory for the files a CNI run makes (host-local's leases, the runtime's result cache) that
// no one but this process can see and that cannot outlive it, also after SIGKILL: a tmpfs mounted
// nowhere (fsopen/fsmount, Linux 5.2; a "detached mount"), held only by a descriptor of this
// process. Children reach it as /proc/<our pid>/fd/<fd>/..., a path the kernel resolves through
// the descriptor; when the last descriptor closes (this object goes, or the process dies), the
// kernel unmounts it and frees every file in it. Nothing is ever written to a filesystem the
// machine keeps, so there is nothing to undo after a crash.
//
// Where a detached mount cannot be made (before 5.2, or without CAP_SYS_ADMIN over the mount
// namespace, as in a user namespace that has none of its own), it falls back to a directory made
// with mkdtemp under $TMPDIR (or /tmp), removed by the destructor, whose name carries the owner tag
// so that the next run can remove one left by a run that was killed (remove_scratch_of_dead_runs).
class CniScratch {
public:
    // Throws when neither can be made.
    CniScratch();
    ~CniScratch();
    CniScratch(const CniScratch&) = delete;
    CniScratch& operator=(const CniScratch&) = delete;

    // The directory's path, for this process and its children.
    const std::filesystem::path& path() const { return path_; }
    bool detached() const { return static_cast<bool>(mount_); }
    std::string describe() const;  // "a detached tmpfs (/proc/<pid>/fd/<n>)" or the fallback's path

    // Every regular file under `relative` (recursively), as paths relative to it; none when it
    // does not exist.
    std::vector<std::string> files(const std::filesystem::path& relative = "") const;

private:
    UniqueFd mount_;
    std::filesystem::path path_;
};

// Removes fallback directories left by runs that are gone (owner tag of a dead process). Returns
// one line per directory removed.
std::vector<std::string> remove_scratch_of_dead_runs();

}  // namespace mvc
