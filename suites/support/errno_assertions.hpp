// SPDX-License-Identifier: MIT
#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "error.hpp"

namespace mvc {

// Asserts that a netlink request is refused with exactly this errno (the kernel's, not libnl's
// folded code). Fails when the request succeeds or fails differently.
inline void expect_netlink_errno(int expected, const std::function<void()>& request) {
    try {
        request();
        ADD_FAILURE() << "expected " << errno_name(expected) << ", but the kernel accepted the request";
    } catch (const NetlinkError& e) {
        EXPECT_EQ(errno_name(e.error()), errno_name(expected)) << e.what();
    }
}

}  // namespace mvc
