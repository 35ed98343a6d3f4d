// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "run_report.hpp"

namespace mvc {

// Several runs (typically one per kernel) side by side: one row per cell group, one column per
// run, and the rows where the runs disagree marked.
//
// A row is a reachability (or broadcast) matrix split by family, e.g. reachability.vepa.dummy
// ipv4, keyed by the report's group and the name component after it; every other test is grouped
// under its suite (Promisc, LinkErrors, ...). Rows keep the order in which the reports list them.

struct MergedTest {
    std::string name;
    Verdict verdict = Verdict::pass;
    std::string message;  // first line: why it failed or was skipped
};

struct MergedRun {
    std::filesystem::path source;  // the report file
    std::string format;            // "json" or "junit"
    std::string label;             // column header: the kernel release, "[n]" appended when two runs share one
    std::string kernel_release;    // "" when the report did not say
    std::string kernel_version, distro, hostname;
    Counts counts;
};

struct MergedRow {
    std::string group;   // the report's testsuite: reachability.vepa.dummy, Promisc, ...
    std::string suite;   // reachability, broadcast, or the group itself for other suites
    std::string mode, variant, family;  // "" for suites that are not matrices
    // One entry per run (same order as MergedTable::runs): that run's tests in this row, in report
    // order. Empty when the run did not have the row.
    std::vector<std::vector<MergedTest>> tests;
    std::vector<Counts> counts;  // per run
    bool differs = false;        // some test's verdict differs, or a run lacks tests the others have
    std::vector<std::string> differing_tests;  // their names, in first-seen order
};

struct MergedTable {
    std::vector<MergedRun> runs;
    std::vector<MergedRow> rows;
    int differing_rows() const;
};

// Reads each report (the JSON of --json, or the JUnit XML of --junit; told apart by content) and
// merges them. Throws std::runtime_error naming the file and the problem when one cannot be read
// or is not such a report.
MergedTable merge_reports(const std::vector<std::filesystem::path>& reports);
// The same from reports already in memory (source names each one, e.g. its file; only shown).
MergedTable merge_runs(const std::vector<std::pair<std::filesystem::path, RunReport>>& reports);

// "24/24 pass", "12 skip", "20/24 pass, 1 fail, 3 skip"; "-" when the run did not have the row.
std::string counts_text(const Counts& counts);

// A fixed-width table with a '*' on differing rows, then per differing row what each run saw.
std::string merged_text(const MergedTable& table);
// One self-contained HTML file (inline CSS, no scripts, nothing fetched): the same table,
// coloured, with skip and failure reasons on hover, and the differences spelled out below.
std::string merged_html(const MergedTable& table);

void write_merged_text(const MergedTable& table, const std::filesystem::path& file);
void write_merged_html(const MergedTable& table, const std::filesystem::path& file);

}  // namespace mvc
