// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <string>

#include "run_report.hpp"

namespace mvc {

// JUnit XML that validates against both the Jenkins xunit and the Ant (windyroad) schemas:
// <testsuites> without attributes (Ant allows none); one <testsuite> per group carrying package,
// id, timestamp without zone and hostname (Ant requires them); <properties> first and
// <system-out>/<system-err> last (Ant's sequence); at most one of failure/skipped per testcase.
std::string junit_xml(const RunReport& report);
void write_junit(const RunReport& report, const std::filesystem::path& file);

}  // namespace mvc
