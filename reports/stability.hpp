// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "run_report.hpp"

namespace mvc {

// How one test fared over the iterations of --repeat N.
struct TestStability {
    std::string name;  // without the "#N" of later iterations
    int runs = 0;      // iterations in which it ran (skipped ones included)
    int passes = 0;
    int changes = 0;   // times its verdict differed from the iteration before
    std::vector<Verdict> verdicts;  // in iteration order
};

// Every test of a repeated run, in the order of its first iteration, and the one-line answer.
struct Stability {
    int iterations = 0;  // the most runs of any test
    std::vector<TestStability> tests;
    int flaky() const;  // tests whose verdict changed at least once
    std::string summary() const;  // "is anything flaky?" in one line
};

// Groups the report's tests by name across iterations (a later iteration's test is "<name>#<n>").
Stability stability(const RunReport& report);

}  // namespace mvc
