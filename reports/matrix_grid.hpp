// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "run_report.hpp"

namespace mvc {

// Prints one reachability matrix (one mode/variant/family) as a grid, rows = from, columns = to.
// Each cell shows what was observed; a cell that differs from its expectation is marked with '!'
// and shows the expectation in parentheses; a cell that failed although the observation matched
// (its topology never proved ready) is marked with '?'. Returns "" when no cell failed.
// Every record must carry a cell.
std::string difference_grid(const std::vector<TestRecord>& matrix);

}  // namespace mvc
