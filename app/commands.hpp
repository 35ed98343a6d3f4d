// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "cli.hpp"

namespace mvc {

// The subcommands, one file each. Each returns the process's exit code (see cli.hpp).

// The conformance run (no subcommand): suites, reports, the lent interfaces' restore.
// `rootless`: the process entered a user namespace of its own (user_namespace.hpp);
// `unprivileged_reason`: why a namespace may be refused, for the skips.
int run_command(const CliOptions& options, char* program, bool rootless, const std::string& unprivileged_reason);
// `macvlan-conformance restore [JOURNAL...]`: replays journals a crashed run left behind.
int restore_command(const CliOptions& options);
// `macvlan-conformance env [--json]`: what this machine allows.
int env_command(const CliOptions& options, const std::string& unprivileged_reason);
// `macvlan-conformance explain TOPOLOGY...`: the predicted matrix and each cell's chain of rules.
int explain_command(const CliOptions& options);
// `macvlan-conformance merge REPORT...`: one table of several runs (kernels). Parses its own arguments.
int merge_command(int argc, char** argv);
// `macvlan-conformance bench`: macvlan against a Linux bridge and the other data paths, measured
// side by side. Parses its own arguments and takes its own privileges (the rootless namespace).
int bench_command(int argc, char** argv);

}  // namespace mvc
