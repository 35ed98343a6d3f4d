// SPDX-License-Identifier: MIT
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "unique_fd.hpp"

namespace mvc {

// A file or directory the tool, running as root, must not act on: someone else could have put it
// there or changed it. The message names the path, why, and the fix.
class UntrustedPath : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Why a file or directory with this status must not steer a process running as `owner`: not owned
// by `owner`, or writable by group or others. "" when it may.
std::string untrusted_because(const struct stat& status, uid_t owner);

// A directory only `owner` can write: `path` is made (mode 0700) when missing; an existing one must
// be a real directory (not a symlink), owned by `owner` and not writable by group or others.
// Throws UntrustedPath otherwise.
void make_private_directory(const std::filesystem::path& path, uid_t owner);
// The same checks, for a directory that must already exist.
void check_private_directory(const std::filesystem::path& path, uid_t owner);

// Opens `file` for reading only if root may believe what it says: a regular file (not a symlink:
// O_NOFOLLOW), owned by `owner`, not writable by group or others, in a directory that passes
// check_private_directory. The checks are made on the open descriptor, so the file read is the file
// checked. Throws UntrustedPath with the reason, or SystemError when it cannot be opened.
UniqueFd open_trusted_file(const std::filesystem::path& file, uid_t owner);

// Removes the directory `name` inside the open directory `parent` only if this tool could have
// made it: a real directory (opened with O_NOFOLLOW, never followed), owned by `owner`, mode 0700,
// holding no subdirectory. Its entries are removed through its descriptor (unlinkat), so a rename
// between the check and the removal cannot redirect it. Returns why it was left alone ("" when
// it was removed).
std::string remove_own_directory(int parent, const std::string& name, uid_t owner);

}  // namespace mvc
