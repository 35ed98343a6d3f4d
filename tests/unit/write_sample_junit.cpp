// SPDX-License-Identifier: MIT
// Writes the sample report, and an inconclusive cell, as JUnit XML, for the schema validation test.
#include <iostream>

#include "junit_writer.hpp"
#include "sample_report.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: write_sample_junit FILE\n";
        return 2;
    }
    auto report = mvc::testing_support::sample_report();
    // An inconclusive cell too: its <error> must validate under both schemas.
    report.tests.push_back({"reachability.vepa.hairpin.ipv4.c2_to_c1", "reachability.vepa.hairpin", mvc::Verdict::inconclusive,
                            "inconclusive: saw no reply, but that proves nothing: the wire lost frames of its exchange", 0.4,
                            std::nullopt});
    mvc::write_junit(report, argv[1]);
    return 0;
}
