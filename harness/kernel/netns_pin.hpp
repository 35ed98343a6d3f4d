// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "net_namespace.hpp"

namespace mvc {

// Gives an anonymous namespace a name under /run/netns (a bind mount of its descriptor, exactly
// what `ip netns add` makes), so it outlives the process and `ip netns exec NAME ...` can enter
// it. Only for --keep-on-failure: a pinned namespace is the one thing the harness deliberately
// leaves behind, and `ip netns del NAME` removes it.
void pin_namespace(const NetNamespace& ns, const std::string& name);

}  // namespace mvc
