// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <map>
#include <optional>
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

// How to start one external program, beyond its argv.
struct ExternalOptions {
    std::string input;  // its whole standard input; the pipe is closed after it
    ChildLifetime lifetime = ChildLifetime::independent;
    // Its whole environment, when given (a CNI plugin reads its request from CNI_* variables and
    // must see no others of this process's); otherwise it inherits this process's environment.
    std::optional<std::map<std::string, std::string>> environment;
};

// Runs `exe args...` as a child of the calling thread (so it inherits that thread's network
// namespace), feeding it `options.input` on standard input, and collects both outputs. At
// `timeout` the child is terminated. An argv list, never a shell string: nothing in `args` is
// interpreted.
CommandOutcome run_external(const std::string& exe, const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                            const ExternalOptions& options);
inline CommandOutcome run_external(const std::string& exe, const std::vector<std::string>& args,
                                   std::chrono::milliseconds timeout, const std::string& input = "",
                                   ChildLifetime lifetime = ChildLifetime::independent) {
    return run_external(exe, args, timeout, ExternalOptions{input, lifetime, std::nullopt});
}

}  // namespace mvc
