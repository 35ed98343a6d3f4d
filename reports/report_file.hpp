// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

namespace mvc {

// Writes a whole report and makes sure it arrived: open, write, flush and close are each checked,
// so a full disk (or /dev/full) fails with the file and the system's reason instead of a report
// that silently is not there. `what` names the report in the message ("JUnit report").
void write_report_file(const std::filesystem::path& file, const std::string& text, const std::string& what);

// The same for a report on a stream that is already open (standard output): flushes and checks it.
void write_report_stream(std::ostream& out, const std::string& text, const std::string& what);

}  // namespace mvc
