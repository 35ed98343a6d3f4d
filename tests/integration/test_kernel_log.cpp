// SPDX-License-Identifier: MIT
// A kernel splat logged during a test fails exactly that test, with the excerpt, and the run's
// report lists it (kernel_splat_probe writes one into /dev/kmsg from inside its middle test).
#include <gtest/gtest.h>
#include <unistd.h>

#include "conformance_process.hpp"
#include "fixture_files.hpp"

namespace mvc {
namespace {

TEST(KernelLog, AWarningInjectedDuringATestFailsExactlyThatTest) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: reading and writing /dev/kmsg";
    testing_support::TempFile json("r.json");
    const auto r = testing_support::run_program(MVC_KERNEL_SPLAT_PROBE, {json.path().string()});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    const auto report = testing_support::read(json.path());
    ASSERT_EQ(report["kernel_log"]["source"], "read from /dev/kmsg") << report["kernel_log"].dump();
    std::map<std::string, std::string> verdicts, messages;
    for (const auto& t : report["tests"]) {
        verdicts[t["name"]] = t["verdict"];
        messages[t["name"]] = t["message"];
    }
    EXPECT_EQ(verdicts["KernelLogProbe.Before"], "pass");
    EXPECT_EQ(verdicts["KernelLogProbe.InjectsAWarning"], "fail");
    EXPECT_EQ(verdicts["KernelLogProbe.After"], "pass");
    EXPECT_NE(messages["KernelLogProbe.InjectsAWarning"].find("injected_by_test+0x0/0x10"), std::string::npos)
        << "the failure quotes the log: " << messages["KernelLogProbe.InjectsAWarning"];
    ASSERT_EQ(report["kernel_log"]["splats"].size(), 1u) << report["kernel_log"].dump();
    EXPECT_EQ(report["kernel_log"]["splats"][0]["test"], "KernelLogProbe.InjectsAWarning");
}

}  // namespace
}  // namespace mvc
