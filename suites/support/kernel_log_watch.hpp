// SPDX-License-Identifier: MIT
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "kernel_log.hpp"
#include "run_report.hpp"

namespace mvc {

// Reads the kernel log (/dev/kmsg, from the run's start) around every test: a splat the kernel
// logs while a test runs fails that test with the log excerpt; every splat, also one between
// tests, goes into the report's kernel_splats. Appended after every other listener: GoogleTest
// calls OnTestEnd in reverse order, so the failure is in the test's result before the report
// collector and the console see it.
class KernelLogWatch : public ::testing::EmptyTestEventListener {
public:
    explicit KernelLogWatch(RunReport& report);
    void OnTestIterationStart(const ::testing::UnitTest&, int iteration) override { iteration_ = iteration; }
    void OnTestStart(const ::testing::TestInfo& info) override;
    void OnTestEnd(const ::testing::TestInfo& info) override;
    void OnTestProgramEnd(const ::testing::UnitTest&) override;  // what came after the last test

private:
    // The splats among the records read since the last call, each with its excerpt.
    std::vector<std::string> new_splats();

    RunReport& report_;
    std::unique_ptr<KernelLog> log_;
    int iteration_ = 0;
};

// The property a test failed by a kernel splat carries (its value: the first line): such a test is
// a failure even when it was inconclusive otherwise.
inline constexpr const char* kKernelSplatProperty = "kernel_splat";

}  // namespace mvc
