// SPDX-License-Identifier: MIT
// `merge` reading JUnit XML: this tool's --junit, or another tool's. Refused with a
// std::runtime_error naming the file and the problem, or read; anything else is a crash.
#include <string>

#include "report_reader.hpp"

using namespace mvc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        (void)parse_junit_report(std::string(reinterpret_cast<const char*>(data), size), "fuzz.xml");
    } catch (const std::runtime_error&) {
    }
    return 0;
}
