// SPDX-License-Identifier: MIT
#include "kernel_log_watch.hpp"

#include <unistd.h>

#include <filesystem>

namespace mvc {

namespace {

// A user-space line in the kernel log counts only when it names this process or one of its threads.
bool this_process(long pid) {
    if (pid <= 0) return false;
    if (pid == ::getpid()) return true;
    std::error_code ec;
    return std::filesystem::exists("/proc/self/task/" + std::to_string(pid), ec);
}

// A report longer than this is cut: the first lines (what, where, the call trace's top) are what a
// reader needs.
constexpr size_t kExcerptLines = 40;
// How long after its first line a splat's report may still be printing (usec).
constexpr uint64_t kReportSpan = 200000;

}  // namespace

KernelLogWatch::KernelLogWatch(RunReport& report) : report_(report) {
    try {
        log_ = std::make_unique<KernelLog>();
        report_.kernel_log = "read from /dev/kmsg";
    } catch (const std::exception& e) {
        report_.kernel_log = std::string("not read (kernel splats go unnoticed): ") + e.what();
    }
}

std::vector<std::string> KernelLogWatch::new_splats() {
    if (!log_) return {};
    const auto records = log_->read_new();
    std::vector<std::string> splats;
    for (size_t i = 0; i < records.size(); ++i) {
        if (!is_kernel_splat(records[i], this_process)) continue;
        std::string excerpt;
        size_t j = i;
        for (; j < records.size() && j - i < kExcerptLines; ++j) {
            if (j > i && is_kernel_splat(records[j], this_process)) break;  // the next splat is its own
            // A report is printed in one go (microseconds apart): what comes later, or from user
            // space, is the rest of the machine's log.
            if (j > i && (records[j].facility != records[i].facility || records[j].usec > records[i].usec + kReportSpan)) break;
            excerpt += records[j].text + "\n";
            if (ends_splat(records[j].text)) break;
        }
        splats.push_back(excerpt.substr(0, excerpt.size() - 1));
        i = j < records.size() && !is_kernel_splat(records[j], this_process) ? j : j - 1;
    }
    return splats;
}

void KernelLogWatch::OnTestStart(const ::testing::TestInfo&) {
    for (auto& s : new_splats()) report_.kernel_splats.push_back({"", std::move(s)});
}

void KernelLogWatch::OnTestEnd(const ::testing::TestInfo& info) {
    const std::string name = std::string(info.test_suite_name()) + "." + info.name() +
                             (iteration_ == 0 ? "" : "#" + std::to_string(iteration_ + 1));
    for (auto& s : new_splats()) {
        ::testing::Test::RecordProperty(kKernelSplatProperty, s.substr(0, s.find('\n')));
        ADD_FAILURE() << "the kernel logged a splat during this test (/dev/kmsg):\n" << s;
        report_.kernel_splats.push_back({name, std::move(s)});
    }
}

void KernelLogWatch::OnTestProgramEnd(const ::testing::UnitTest&) {
    for (auto& s : new_splats()) report_.kernel_splats.push_back({"", std::move(s)});
}

}  // namespace mvc
