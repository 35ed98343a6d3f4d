// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "cli.hpp"
#include "suite_context.hpp"

namespace mvc {

// What a run will run, worked out before GoogleTest starts.

// The reachability cells the options select, in catalog order (bridge, vepa, private, passthru,
// source; host, ext, c1, c2), as a reader expects. On a lent wire the variants are what the user
// declared: plain, or hairpin with --peer-hairpin.
std::vector<CellId> selected_cells(const TopologyCatalog& catalog, const CliOptions& options);

// Every registered test the selection keeps, in registration order. Data-driven tests (the
// matrices' cells) were only registered when selected. The other suites carry no mode, variant or
// family, so they run unless the selection names one; --filter applies to all.
std::vector<std::string> selected_test_names(const SuiteContext& context, const CliOptions& options);

// Hands GoogleTest the options' own flags and, unless the user gave a --gtest_filter, a filter
// naming exactly `names`. Must run before RUN_ALL_TESTS and after every test is registered.
void init_googletest(char* program, const CliOptions& options);
void restrict_googletest_to(const std::vector<std::string>& names, const CliOptions& options);

}  // namespace mvc
