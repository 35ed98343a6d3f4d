// SPDX-License-Identifier: MIT
#include "link_events.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/socket.h>

#include "error.hpp"

namespace mvc {

LinkEvents::LinkEvents(const std::vector<const NetNamespace*>& namespaces) {
    for (const auto* ns : namespaces)
        sockets_.push_back(ns->run([] {
            UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE));
            if (!fd) throw_errno("netlink event socket");
            sockaddr_nl sa{};
            sa.nl_family = AF_NETLINK;
            sa.nl_groups = RTMGRP_LINK;
            if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) throw_errno("bind RTMGRP_LINK");
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

}  // namespace mvc
