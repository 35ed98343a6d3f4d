// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <string>

#include "run_report.hpp"

namespace mvc {

// Reads reports back (for `merge`): the JSON of --json or the JUnit XML of --junit, this tool's
// or another's. Everything in them is outside input: every field is checked, and a problem throws
// std::runtime_error naming the file and what is wrong.

struct ReadReport {
    std::filesystem::path source;
    std::string format;  // "json" or "junit"
    RunReport report;
};

// Tells the two formats apart by content.
ReadReport read_report_file(const std::filesystem::path& file);
// `file` only names the text in messages.
RunReport parse_json_report(const std::string& text, const std::filesystem::path& file);
RunReport parse_junit_report(const std::string& text, const std::filesystem::path& file);

}  // namespace mvc
