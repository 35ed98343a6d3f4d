// SPDX-License-Identifier: MIT
#pragma once

#include <set>
#include <string>
#include <vector>

#include "merged_table.hpp"

namespace mvc::merged_render {

// What the text and the HTML rendering of a merged table share.

std::string row_title(const MergedRow& row);
// What one run saw of a set of tests: "12 skip: needs dummy: ...", "1 fail: expected ...", by
// verdict and message, most frequent first (`only`: just these tests).
std::vector<std::string> outcome_lines(const std::vector<MergedTest>& tests, const std::set<std::string>* only);
std::string verdict_or_absent(const std::vector<MergedTest>& tests, const std::string& name);
std::string cell_class(const Counts& counts);
int row_size(const MergedRow& row);
// The differing tests are named one by one when they are few and either only part of their row
// or failures; a row that differs as a whole (a feature present on one kernel only) is summarised.
bool list_test_names(const MergedRow& row);

}  // namespace mvc::merged_render
