// SPDX-License-Identifier: MIT
#include "console_printer.hpp"

#include <cstdio>

#include "kernel_log_watch.hpp"
#include "report_collector.hpp"

namespace mvc {

namespace {
std::string indent(const std::string& text) {
    std::string out = "    ";
    for (char c : text) {
        out += c;
        if (c == '\n') out += "    ";
    }
    return out;
}
}  // namespace

void ConsolePrinter::OnTestIterationStart(const ::testing::UnitTest& unit, int iteration) {
    total_ = unit.test_to_run_count();
    done_ = failed_ = 0;
    inconclusive_.clear();
    skip_reasons_.clear();
    started_ = std::chrono::steady_clock::now();
    out_ << "running " << total_ << " tests";
    if (iteration > 0) out_ << " (iteration " << iteration + 1 << ")";
    out_ << std::endl;
    draw_progress();
}

void ConsolePrinter::OnTestEnd(const ::testing::TestInfo& info) {
    ++done_;
    const auto* result = info.result();
    if (result->Failed()) {
        ++failed_;
        clear_progress();
        const bool inconclusive = inconclusive_reason(*result) && !has_property(*result, kKernelSplatProperty);
        if (inconclusive) ++inconclusive_[info.test_suite_name()];
        out_ << (inconclusive ? "INCONCLUSIVE " : "FAIL ") << info.test_suite_name() << "." << info.name() << "\n" << indent(outcome_message(*result)) << "\n";
    } else if (result->Skipped()) {
        ++skip_reasons_[outcome_message(*result)];
    }
    draw_progress();
}

void ConsolePrinter::OnTestSuiteEnd(const ::testing::TestSuite& suite) {
    if (terminal_) return;
    const int inconclusive = inconclusive_[suite.name()];
    out_ << suite.name() << ": " << suite.successful_test_count() << " passed, " << suite.failed_test_count() - inconclusive
         << " failed, " << (inconclusive ? std::to_string(inconclusive) + " inconclusive, " : "") << suite.skipped_test_count()
         << " skipped\n";
}

void ConsolePrinter::OnTestIterationEnd(const ::testing::UnitTest&, int) {
    clear_progress();
    for (const auto& [reason, count] : skip_reasons_) out_ << count << " skipped: " << reason << "\n";
    out_.flush();
}

void ConsolePrinter::draw_progress() {
    if (!terminal_) return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    char line[128];
    std::snprintf(line, sizeof line, "\r[%d/%d] %d failed, %.1f s ", done_, total_, failed_, elapsed);
    out_ << line << std::flush;
}

void ConsolePrinter::clear_progress() {
    if (terminal_) out_ << "\r\033[K";
}

}  // namespace mvc
