// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <string>

#include "run_report.hpp"

namespace mvc {

// KTAP version 1 (Documentation/dev-tools/ktap.rst): one subtest per group, indented two spaces
// with its own version line and plan; "# SKIP reason" on skipped tests; failure details as
// diagnostic lines before the result; kselftest's "# Totals:" line last. The totals count the
// leaf tests, so they equal the JUnit counts.
std::string ktap(const RunReport& report);
void write_ktap(const RunReport& report, const std::filesystem::path& file);

}  // namespace mvc
