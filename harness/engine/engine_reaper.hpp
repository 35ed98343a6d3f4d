// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine_kind.hpp"
#include "net_namespace.hpp"
#include "unique_fd.hpp"

namespace mvc {

// The run's reaper (one per engine the run drives), in the spirit of Testcontainers' Ryuk: a watcher process that outlives the
// run, holds one end of a socket whose other end only the run holds, and when that end closes
// (the run exited, or was SIGKILLed: the kernel closes a dead process's descriptors) removes
// everything of the run's that would otherwise survive it, then exits:
//   - every container, network and image the engine holds with the run's owner tag
//     (remove_objects_of), and nothing of another run;
//   - the links the run made in the machine's namespace (a lab's parent veth, a host shim), each
//     registered by name *before* it is created and by ifindex once it exists. The kernel would
//     take the veth itself once the run's private peer namespace is torn down, but that teardown
//     is asynchronous, and a shim hangs on the veth: deleting them here makes the machine clean by
//     the time the reaper exits, not at some later moment.
//
// Why a fresh exec of this same binary (/proc/self/exe, hidden mode kReaperMode) rather than
// a plain fork: the run is multithreaded by the time the Docker suite starts (the reachability
// campaign probes in the background), and a forked child of a multithreaded process may only call
// async-signal-safe functions: no malloc, no Boost.Process, no libnl. After exec the reaper is an
// ordinary single-threaded process, of the same build as the run (nothing to install or find, and
// /proc/self/exe still names the running file if it was replaced on disk meanwhile). It calls
// setsid() before exec: a Ctrl-C, a terminal hang-up or a CI runner's kill of the run's process
// group must not take the reaper with the run. Its standard error is the run's, so what it removes
// after a crash is in the same log; nothing goes to standard output (KTAP may own it).
//
// What it cannot survive: a kill of the whole cgroup (a systemd unit or container the run lives
// in). The sweep at the next run's start (remove_leftovers_of_dead_runs) stays as a second line.
inline constexpr const char* kReaperMode = "__engine-reaper";

// The run's side: starts the watcher and tells it what to remove.
class EngineReaper {
public:
    // Starts the watcher in `machine` (where the engine and the links are), for the objects tagged
    // `owner` and the engine of `kind` behind `client`, and returns once it has said it is watching. Throws
    // when it could not be started: no Docker object may be made without it. `program` is this
    // binary; tests of the harness point it at the conformance binary.
    static std::unique_ptr<EngineReaper> start(const NetNamespace& machine, EngineKind kind, const std::string& client,
                                               const std::string& owner,
                                               const std::filesystem::path& program = "/proc/self/exe");
    ~EngineReaper();  // finish(), problems to standard error
    EngineReaper(const EngineReaper&) = delete;
    EngineReaper& operator=(const EngineReaper&) = delete;

    // Before the run creates a link named `name` in the machine's namespace; after it exists; after
    // the run deleted it itself. Throws when the watcher is gone (nothing would remove the link).
    void will_create_link(const std::string& name);
    void created_link(const std::string& name, int ifindex);
    void removed_link(const std::string& name);

    // The orderly end: the watcher makes one last pass (normally finding nothing) and exits.
    // Returns what went wrong: it did not exit in time (then it is killed), or it reported failures.
    std::vector<std::string> finish(std::chrono::milliseconds timeout = std::chrono::seconds(30));

    pid_t pid() const { return pid_; }

private:
    EngineReaper(UniqueFd socket, pid_t pid) : socket_(std::move(socket)), pid_(pid) {}
    void send(const std::string& line);
    std::mutex mutex_;
    UniqueFd socket_;
    pid_t pid_;
    bool finished_ = false;
};

// The watcher's side: main() calls this when argv[1] is kReaperMode. Its standard input is
// the socket. Returns the process's exit code (0: everything removed).
int engine_reaper_main(int argc, char** argv);

// The protocol, one line per message. Run to watcher: "link NAME", "ifindex NAME N", "gone NAME",
// "end" (orderly end: no command of the run is in flight). Watcher to run: "ready PID".
namespace reaper_protocol {
inline constexpr const char* kLink = "link";
inline constexpr const char* kIfindex = "ifindex";
inline constexpr const char* kGone = "gone";
inline constexpr const char* kEnd = "end";
inline constexpr const char* kReady = "ready";
}  // namespace reaper_protocol

}  // namespace mvc
