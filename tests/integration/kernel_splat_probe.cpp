// SPDX-License-Identifier: MIT
// Three tests under the run's kernel-log watch; the middle one writes a WARNING, formatted as the
// kernel prints one, into /dev/kmsg from inside the test. test_kernel_log.cpp runs this program
// and checks that exactly that test failed, with the excerpt, and that the report lists it.
// Usage: kernel_splat_probe REPORT.json
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "json_report.hpp"
#include "kernel_log_watch.hpp"
#include "report_collector.hpp"

namespace {

TEST(KernelLogProbe, Before) { SUCCEED(); }

TEST(KernelLogProbe, InjectsAWarning) {
    const int fd = ::open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0) << "cannot write /dev/kmsg (needs root)";
    const std::string line = "<4>WARNING: CPU: 0 PID: " + std::to_string(::getpid()) +
                             " at tests/integration/kernel_splat_probe.cpp:22 injected_by_test+0x0/0x10\n";
    EXPECT_EQ(::write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    ::close(fd);
}

TEST(KernelLogProbe, After) { SUCCEED(); }

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (argc != 2) {
        std::cerr << "usage: kernel_splat_probe REPORT.json\n";
        return 2;
    }
    mvc::RunReport report;
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    listeners.Append(new mvc::ReportCollector(report));
    listeners.Append(new mvc::KernelLogWatch(report));  // last, as in the run: its OnTestEnd comes first
    const int status = RUN_ALL_TESTS();
    mvc::write_json_report(report, argv[1]);
    return status;
}
