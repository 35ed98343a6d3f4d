// SPDX-License-Identifier: MIT
// --expectations FILE: a lab's cell-by-cell overrides of the derived expectations, validated against
// the shipped catalog. Refused with a FixtureError or applied; anything else is a crash.
#include "expectations.hpp"
#include "fixture_error.hpp"
#include "input_file.hpp"
#include "shipped_fixtures.hpp"

using namespace mvc;

static const ExpectationSet& derived() {
    static const ExpectationSet set = ExpectationSet::derive(fuzz::shipped_catalog(), fuzz::shipped_rules());
    return set;
}

// The shipped fixtures are loaded once, before the first input (and its timeout) starts.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)fuzz::shipped_rules();
    (void)fuzz::shipped_catalog();
    (void)derived();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static fuzz::InputFile input;
    const auto path = input.write(data, size);
    try {
        ExpectationSet set = derived();
        set.apply_overrides(path, fuzz::shipped_catalog());
        (void)set.source();
    } catch (const FixtureError&) {
    }
    try {
        (void)ExpectationSet::read_matrices(path, fuzz::shipped_catalog(), false);
    } catch (const FixtureError&) {
    }
    return 0;
}
