// SPDX-License-Identifier: MIT
#pragma once

// What a test sees of a conformance run from outside, to prove that a killed run left nothing:
// its Docker objects (by its owner tag), its links in the machine's namespace (by their names),
// the network namespaces it held (by inode and cookie), and its reaper.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine_kind.hpp"

namespace mvc::testing_support {

// The whole of a file ("" when there is none).
std::string read_text(const std::filesystem::path& path);

// The engine's client on PATH, or "".
std::string engine_client(EngineKind kind);
std::string docker_client();
// Why no engine of that kind answers here, or "" when one does.
std::string engine_missing(EngineKind kind);
std::string docker_engine_missing();

// Everything of the run `pid` (owner tag `tag`) that is still there, one line each ("docker
// container X", "podman network X", "docker image X", "link X", a CNI scratch directory, a CNI
// plugin still running). An engine's objects are only looked for when it answers.
std::vector<std::string> objects_of_run(pid_t pid, const std::string& tag);

// One network namespace a process holds (a descriptor, or a thread's namespace).
struct HeldNamespace {
    ino_t inode = 0;
    uint64_t cookie = 0;  // SO_NETNS_COOKIE: never reused, unlike inodes; 0 when unknown
    std::string where;    // "/proc/<pid>/fd/7"
};
// The namespaces `pid` holds, other than the one this process is in.
std::vector<HeldNamespace> namespaces_held_by(pid_t pid);
// Which of `namespaces` anything still holds (a process's descriptor or thread, or a mount), one
// line each; a namespace whose inode was reused by a new one (another cookie) is not reported.
std::vector<std::string> still_held(const std::vector<HeldNamespace>& namespaces);

// The pids of the reapers started for `tag` (their command lines name the owner; one per engine),
// and the first of them, if one runs.
std::vector<pid_t> reapers_of(const std::string& tag);
std::optional<pid_t> reaper_of(const std::string& tag);
// Gone: no such process, or only its zombie.
bool process_gone(pid_t pid);
// How long `pid` took to be gone, or empty when it is still there after `limit`.
std::optional<double> seconds_until_gone(pid_t pid, std::chrono::seconds limit);

}  // namespace mvc::testing_support
