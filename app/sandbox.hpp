// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>

#include "capabilities.hpp"
#include "net_namespace.hpp"

namespace mvc {

// Enters the run's private network namespace and probes the kernel there. `machine` receives the
// namespace the process started in (only the Docker suite and a lent wire reach back into it).
// Without privileges nothing can be probed, and every test will skip with that reason.
Capabilities enter_sandbox_and_probe(std::optional<NetNamespace>* machine, const std::string& unprivileged_reason);

}  // namespace mvc
