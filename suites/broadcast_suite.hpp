// SPDX-License-Identifier: MIT
#pragma once

#include "selection.hpp"
#include "suite_context.hpp"

namespace mvc {

// Registers the broadcast/multicast delivery cells from fixtures/expectations/broadcast.json
// (only those the selection keeps). Throws FixtureError for a malformed file.
void register_broadcast_suite(SuiteContext& context, const Selection& selection);

}  // namespace mvc
