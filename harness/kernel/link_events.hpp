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
// With `Also::ipv6_addresses` the IPv6 address and route groups wake a wait too.
class LinkEvents {
public:
    enum class Also { nothing, ipv6_addresses };
    explicit LinkEvents(const std::vector<const NetNamespace*>& namespaces, Also also = Also::nothing);
    explicit LinkEvents(const NetNamespace& ns) : LinkEvents(std::vector<const NetNamespace*>{&ns}) {}

    // Evaluates `done` now and after every link notification until it returns true (-> true) or
    // the deadline passes (-> false). Subscribing happens in the constructor, so a change that
    // lands between the construction and this call still wakes it.
    bool wait_until(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline);
    bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
        return wait_until(done, std::chrono::steady_clock::now() + timeout);
    }
    // The same per namespace: `done_in(i)` is asked about namespace i (in the constructor's order)
    // at first and then only after a notification from that namespace, or every `recheck` for a
    // state the kernel changes without telling (0: never), until it holds for each. Returns the
    // namespaces where it never did. A wait over a thousand namespaces costs one check per event.
    std::vector<size_t> wait_for_each(const std::function<bool(size_t)>& done_in, std::chrono::steady_clock::time_point deadline,
                                      std::chrono::milliseconds recheck = std::chrono::milliseconds{0}) {
        return wait_for_each(done_in, [deadline] { return deadline; }, recheck);
    }
    // With a deadline that may move while waiting (asked again after every wake-up).
    std::vector<size_t> wait_for_each(const std::function<bool(size_t)>& done_in,
                                      const std::function<std::chrono::steady_clock::time_point()>& deadline,
                                      std::chrono::milliseconds recheck = std::chrono::milliseconds{0});

private:
    std::vector<UniqueFd> sockets_;
};

}  // namespace mvc
