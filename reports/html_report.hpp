// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <string>

#include "run_report.hpp"

namespace mvc {

// One self-contained HTML file (inline CSS, no scripts, nothing fetched): a coloured grid per
// matrix (mode × variant × family) showing expected vs observed with the reason on hover, the
// observations tests recorded (promiscuity, unicast filter, ...), every other test, and the
// environment.
std::string html_report(const RunReport& report);
void write_html_report(const RunReport& report, const std::filesystem::path& file);

}  // namespace mvc
