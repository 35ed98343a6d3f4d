// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace mvc {

// Makes an unprivileged run possible: unshare(CLONE_NEWUSER) with this user mapped to root inside,
// which grants CAP_SYS_ADMIN and CAP_NET_ADMIN over every network namespace created afterwards (and
// nothing over the machine's own). Must run while the process has a single thread. Returns "" on
// success, otherwise why not (e.g. unprivileged user namespaces are disabled).
std::string enter_rootless_user_namespace();

}  // namespace mvc
