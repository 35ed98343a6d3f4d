// SPDX-License-Identifier: MIT
// --topology FILE: a user's own topology, its parent and far end inline. Refused with a
// FixtureError, or loaded beside the shipped catalog, its controls derived and checked against the
// shipped rules and its cells' expectations derived (for a small one), as `run` and `explain` do. Anything else is a
// crash.
#include "expectations.hpp"
#include "fixture_error.hpp"
#include "input_file.hpp"
#include "shipped_fixtures.hpp"

using namespace mvc;

extern "C" int LLVMFuzzerInitialize(int*, char***) { return fuzz::load_shipped_fixtures(); }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static fuzz::InputFile input;
    const auto& rules = fuzz::shipped_rules();
    const auto path = input.write(data, size);
    try {
        auto catalog = TopologyCatalog::load_user_topology(path);
        fuzz::derive_as_a_run_would(catalog, rules, path);
    } catch (const FixtureError&) {
    }
    return 0;
}
