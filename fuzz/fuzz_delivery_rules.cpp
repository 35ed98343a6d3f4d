// SPDX-License-Identifier: MIT
// --rules FILE: the delivery rules every expectation is derived from. A file is either refused with
// a FixtureError (naming the file, the rule and the problem) or it covers every combination once,
// and the controls and expectations of a slave of every mode derive from it. Any other exception, and
// any memory error or undefined behaviour, is a crash.
#include "expectations.hpp"
#include "fixture_error.hpp"
#include "input_file.hpp"
#include "shipped_fixtures.hpp"

using namespace mvc;

extern "C" int LLVMFuzzerInitialize(int*, char***) { return fuzz::load_shipped_fixtures(); }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static fuzz::InputFile input;
    const auto path = input.write(data, size);
    try {
        const auto rules = DeliveryRules::load(path);
        for (const auto& c : DeliveryRules::combinations()) (void)rules.rule(c.frame, c.from, c.to, c.external, c.port);
        auto catalog = fuzz::every_mode_catalog();
        catalog.derive_controls(rules, path);
        (void)ExpectationSet::derive(catalog, rules);
    } catch (const FixtureError&) {
    }
    return 0;
}
