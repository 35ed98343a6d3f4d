// SPDX-License-Identifier: MIT
#pragma once

#include <vector>

#include "suite_context.hpp"

namespace mvc {

// Registers one GoogleTest test per reachability cell, named like the cell
// (suite "reachability.vepa.hairpin", test "ipv4.c1_to_c2").
void register_reachability_suite(SuiteContext& context, const std::vector<CellId>& cells);

}  // namespace mvc
