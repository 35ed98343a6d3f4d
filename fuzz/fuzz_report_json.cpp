// SPDX-License-Identifier: MIT
// `merge` reading a --json report (this tool's, from any version or machine). Refused with a
// std::runtime_error naming the file and the problem, or read; anything else is a crash.
#include <string>

#include "report_reader.hpp"

using namespace mvc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        (void)parse_json_report(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    } catch (const std::runtime_error&) {
    }
    return 0;
}
