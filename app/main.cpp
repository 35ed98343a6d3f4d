// SPDX-License-Identifier: MIT
// macvlan-conformance: the conformance suite's entry point. It parses the command line, takes the
// steps every subcommand shares (privileges, the rootless user namespace), and hands over.
#include <unistd.h>

#include <iostream>
#include <string_view>

#include "cli.hpp"
#include "commands.hpp"
#include "engine_reaper.hpp"
#include "lent_wire_session.hpp"
#include "user_namespace.hpp"

using namespace mvc;

int main(int argc, char** argv) {
    // The Docker suite's reaper: this binary again, started by the run (docker_reaper.hpp says why).
    if (argc > 1 && std::string_view(argv[1]) == kReaperMode) return engine_reaper_main(argc, argv);
    if (argc > 1 && std::string_view(argv[1]) == "merge") return merge_command(argc, argv);
    if (argc > 1 && std::string_view(argv[1]) == "bench") return bench_command(argc, argv);
    auto parsed = parse_cli(argc, argv);
    if (parsed.exit_now) return *parsed.exit_now;
    const CliOptions& options = parsed.options;
    // A planning tool: it builds nothing, so it needs no privileges and no namespace.
    if (options.explain) return explain_command(options);
    const bool lending = !options.parent.empty();
    // Before any thread exists: signals must reach only the watcher that restores lent interfaces.
    if (lending) block_termination_signals();

    // Without root, a user namespace in which this user is root still allows everything the default
    // (veth) run needs. Interfaces of the machine itself need real CAP_NET_ADMIN.
    std::string unprivileged_reason = "run as root, or with CAP_SYS_ADMIN and CAP_NET_ADMIN";
    bool rootless = false;
    if (::geteuid() != 0) {
        if (lending || options.restore) {
            std::cerr << "macvlan-conformance: " << (lending ? "--parent" : "restore")
                      << " changes interfaces in this machine's own network namespace and needs CAP_NET_ADMIN there: "
                         "run it as root (sudo)\n";
            return kExitUsage;
        }
        const auto why_not = enter_rootless_user_namespace();
        rootless = why_not.empty();
        if (!rootless) unprivileged_reason = why_not + "; run as root instead";
    }
    if (options.restore) return restore_command(options);
    if (options.env) return env_command(options, unprivileged_reason);
    return run_command(options, argv[0], rootless, unprivileged_reason);
}
