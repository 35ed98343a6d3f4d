// SPDX-License-Identifier: MIT
#pragma once

#include <ostream>

#include "cli.hpp"
#include "run_report.hpp"

namespace mvc {

// Writes every report the options ask for (--junit, --json, --html, --ktap). Returns false, with
// the file and the error on standard error, when any could not be written.
bool write_run_reports(const RunReport& report, const CliOptions& options);

// The end of a run on the console: a grid per matrix that differs from its expectation, then one
// line with the counts, the time and the exit code.
void print_run_summary(const RunReport& report, int status, std::ostream& console);

}  // namespace mvc
