// SPDX-License-Identifier: MIT
// --repeat N: is anything flaky, in one line.
#include <gtest/gtest.h>

#include "stability.hpp"

namespace mvc {
namespace {

RunReport repeated(const std::vector<std::vector<Verdict>>& per_iteration) {
    RunReport r;
    for (size_t i = 0; i < per_iteration.size(); ++i)
        for (size_t t = 0; t < per_iteration[i].size(); ++t) {
            std::string name = "reachability.vepa.plain.ipv4.c" + std::to_string(t) + "_to_ext";
            if (i > 0) name += "#" + std::to_string(i + 1);
            r.tests.push_back({name, "reachability.vepa.plain", per_iteration[i][t], "", 0, std::nullopt});
        }
    return r;
}

TEST(Stability, SteadyVerdictsSayNothingIsFlaky) {
    const auto s = stability(repeated({{Verdict::pass, Verdict::skip}, {Verdict::pass, Verdict::skip}, {Verdict::pass, Verdict::skip}}));
    EXPECT_EQ(s.iterations, 3);
    ASSERT_EQ(s.tests.size(), 2u);
    EXPECT_EQ(s.tests[0].runs, 3);
    EXPECT_EQ(s.tests[0].passes, 3);
    EXPECT_EQ(s.flaky(), 0);
    EXPECT_EQ(s.summary(), "stability over 3 iterations: 2 tests, none changed its verdict: nothing is flaky");
}

TEST(Stability, EveryChangeOfVerdictIsCountedAndTheTestNamed) {
    const auto s = stability(repeated({{Verdict::pass, Verdict::pass}, {Verdict::fail, Verdict::pass}, {Verdict::pass, Verdict::pass},
                                       {Verdict::inconclusive, Verdict::pass}}));
    EXPECT_EQ(s.tests[0].name, "reachability.vepa.plain.ipv4.c0_to_ext");
    EXPECT_EQ(s.tests[0].passes, 2);
    EXPECT_EQ(s.tests[0].changes, 3);
    EXPECT_EQ(s.flaky(), 1);
    EXPECT_NE(s.summary().find("1 changed verdict (flaky): reachability.vepa.plain.ipv4.c0_to_ext (2 of 4 passed, 3 changes)"),
              std::string::npos)
        << s.summary();
}

}  // namespace
}  // namespace mvc
