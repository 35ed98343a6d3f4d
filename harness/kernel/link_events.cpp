// SPDX-License-Identifier: MIT
#include "link_events.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>

#include "error.hpp"

namespace mvc {

LinkEvents::LinkEvents(const std::vector<const NetNamespace*>& namespaces, Also also) {
    const unsigned groups = RTMGRP_LINK | (also == Also::ipv6_addresses ? RTMGRP_IPV6_IFADDR | RTMGRP_IPV6_ROUTE : 0u);
    for (const auto* ns : namespaces)
        sockets_.push_back(ns->run([groups] {
            UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE));
            if (!fd) throw_errno("netlink event socket");
            sockaddr_nl sa{};
            sa.nl_family = AF_NETLINK;
            sa.nl_groups = groups;
            if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) throw_errno("bind rtnetlink groups");
            return fd;
        }));
}

bool LinkEvents::wait_until(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline) {
    std::vector<pollfd> fds;
    for (const auto& s : sockets_) fds.push_back({s.get(), POLLIN, 0});
    for (;;) {
        if (done()) return true;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR)
            throw_errno("poll link events");
        char buf[8192];
        for (auto& p : fds)
            while (::recv(p.fd, buf, sizeof buf, 0) > 0) {
            }
    }
}

std::vector<size_t> LinkEvents::wait_for_each(const std::function<bool(size_t)>& done_in,
                                              const std::function<std::chrono::steady_clock::time_point()>& deadline,
                                              std::chrono::milliseconds recheck) {
    using Clock = std::chrono::steady_clock;
    std::vector<size_t> waiting;
    for (size_t i = 0; i < sockets_.size(); ++i)
        if (!done_in(i)) waiting.push_back(i);
    auto next_recheck = Clock::now() + recheck;
    while (!waiting.empty()) {
        auto until = deadline();
        if (recheck.count() > 0) until = std::min(until, next_recheck);
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
        std::vector<pollfd> fds;
        for (size_t i : waiting) fds.push_back({sockets_[i].get(), POLLIN, 0});
        if (left.count() > 0 && ::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR)
            throw_errno("poll rtnetlink events");
        const bool recheck_all = recheck.count() > 0 && Clock::now() >= next_recheck;
        std::vector<size_t> still;
        for (size_t k = 0; k < waiting.size(); ++k) {
            bool notified = false;
            char buf[8192];
            // An overrun (ENOBUFS) lost notifications: it counts as one, and the check looks again.
            for (ssize_t n; (n = ::recv(fds[k].fd, buf, sizeof buf, 0)) > 0 || (n < 0 && errno == ENOBUFS);) notified = true;
            if ((notified || recheck_all) && done_in(waiting[k])) continue;
            still.push_back(waiting[k]);
        }
        waiting.swap(still);
        // From the end of the round: a round slower than `recheck` must not turn into a busy loop.
        if (recheck_all) next_recheck = Clock::now() + recheck;
        if (!waiting.empty() && Clock::now() >= deadline()) break;
    }
    return waiting;
}

}  // namespace mvc
