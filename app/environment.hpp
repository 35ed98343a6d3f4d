// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "capabilities.hpp"
#include "run_report.hpp"
#include "utc_timestamp.hpp"

namespace mvc {

// What a report says about the machine it ran on: kernel, distro, harness version, privileges and
// every probed feature with why it matters, and the parent's kind and driver.
struct Environment {
    std::string kernel_release, kernel_version, machine, distro, hostname, harness_version;
    std::string parent_kind = "veth";
    std::string parent_driver;  // ETHTOOL_GDRVINFO
    Capabilities capabilities;

    static Environment observe(const Capabilities& capabilities);

    std::vector<Property> properties() const;
    nlohmann::json json() const;
    std::string text() const;  // for `macvlan-conformance env`
};


}  // namespace mvc
