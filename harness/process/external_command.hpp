// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace mvc {

// How one run of an external program ended, with everything it printed.
struct CommandOutcome {
    int exit_code = -1;  // -1 when it could not start or was killed at the timeout
    bool timed_out = false;
    std::string out, err;
    std::string start_error;  // why it could not be started, "" when it was

    bool ok() const { return start_error.empty() && !timed_out && exit_code == 0; }
};

// Whether the child may outlive this process. The call waits for the child, so the thread that
// started it (the one the kernel's parent-death signal follows) ends only when the process does.
enum class ChildLifetime {
    independent,
    // SIGKILLed by the kernel when this process dies (PR_SET_PDEATHSIG), also on SIGKILL: for a
    // client that creates objects, which must not go on creating them for a run that is gone.
    ends_with_caller,
};

// Runs `exe args...` as a child of the calling thread (so it inherits that thread's network
// namespace), feeding it `input` on standard input, and collects both outputs. At `timeout` the
// child is terminated. An argv list, never a shell string: nothing in `args` is interpreted.
CommandOutcome run_external(const std::string& exe, const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                            const std::string& input = "", ChildLifetime lifetime = ChildLifetime::independent);

}  // namespace mvc
