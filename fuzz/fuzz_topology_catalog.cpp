// SPDX-License-Identifier: MIT
// --fixtures DIR's topologies/reachability.json: variants and the topologies on them. Refused with a
// FixtureError, or loaded, its controls derived and checked against the shipped rules and every
// cell's expectation derived (for a small one). Anything else is a crash.
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
        auto catalog = TopologyCatalog::load(path);
        fuzz::derive_as_a_run_would(catalog, rules, path);
        (void)catalog.variant_names();
    } catch (const FixtureError&) {
    }
    return 0;
}
