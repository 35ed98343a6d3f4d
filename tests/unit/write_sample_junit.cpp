// SPDX-License-Identifier: MIT
// Writes the sample report as JUnit XML, for the schema validation test.
#include <iostream>

#include "junit_writer.hpp"
#include "sample_report.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: write_sample_junit FILE\n";
        return 2;
    }
    mvc::write_junit(mvc::testing_support::sample_report(), argv[1]);
    return 0;
}
