// SPDX-License-Identifier: MIT
#pragma once

#include "run_report.hpp"

namespace mvc::testing_support {

// A small report with a pass, a fail and a skip in two groups, and text that needs escaping.
inline RunReport sample_report() {
    RunReport r;
    r.hostname = "testhost";
    r.seconds = 1.25;
    r.properties = {{"kernel_release", "6.1.0-test"}, {"machine", "x86_64"}, {"parent_kind", "veth"}};
    r.groups = {{"reachability.vepa.hairpin", {{"variant_parent", "veth"}, {"mode", "vepa"}, {"variant", "hairpin"}}},
                {"reachability.bridge.dummy", {{"variant_parent", "dummy"}, {"mode", "bridge"}, {"variant", "dummy"}, {"machine", "x86_64"}, {"kernel_release", "other"}}}};
    CellRecord pass{"vepa", "hairpin", "ipv4", "c1", "c2", "reachable", "reachable", "hairpin reflects"};
    CellRecord fail{"vepa", "hairpin", "ipv6", "c1", "host", "blocked", "reachable", "VEPA <sends> & \"reflects\""};
    CellRecord skip{"bridge", "dummy", "ipv4", "c1", "c2", "reachable", "", "bridge mode switches locally"};
    r.tests = {
        {"reachability.vepa.hairpin.ipv4.c1_to_c2", "reachability.vepa.hairpin", Verdict::pass, "", 0.002, pass},
        {"reachability.vepa.hairpin.ipv6.c1_to_host", "reachability.vepa.hairpin", Verdict::fail,
         "expected blocked, observed reachable\n  expected because: VEPA <sends> & \"reflects\"", 0.3, fail},
        {"reachability.bridge.dummy.ipv4.c1_to_c2", "reachability.bridge.dummy", Verdict::skip,
         "needs dummy: RTM_NEWLINK kind 'dummy' returned EOPNOTSUPP", 0, skip},
    };
    return r;
}

}  // namespace mvc::testing_support
