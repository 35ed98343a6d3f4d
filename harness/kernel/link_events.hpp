// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "net_namespace.hpp"
#include "unique_fd.hpp"

namespace mvc {

// RTNLGRP_LINK subscriptions in one or more namespaces: the way to wait for a link state (up,
// carrier, promiscuity, deletion) by observing the kernel's own notifications instead of sleeping.
class LinkEvents {
public:
    explicit LinkEvents(const std::vector<const NetNamespace*>& namespaces);
    explicit LinkEvents(const NetNamespace& ns) : LinkEvents(std::vector<const NetNamespace*>{&ns}) {}

    // Evaluates `done` now and after every link notification until it returns true (-> true) or
    // the deadline passes (-> false). Subscribing happens in the constructor, so a change that
    // lands between the construction and this call still wakes it.
    bool wait_until(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline);
    bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
        return wait_until(done, std::chrono::steady_clock::now() + timeout);
    }

private:
    std::vector<UniqueFd> sockets_;
};

}  // namespace mvc
