// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "addresses.hpp"
#include "net_namespace.hpp"
#include "probe_defaults.hpp"

namespace mvc {

// One ICMP echo conversation: `source` (an address inside `ns`) asks `destination` for replies.
struct EchoProbe {
    const NetNamespace* ns = nullptr;
    IpAddress source;
    IpAddress destination;
    // A pacer: a path known to exist, probed from cold caches at the same time as the others, so
    // that its latency says how slow the kernel is right now (see EchoSchedule::pace).
    bool pacer = false;
};

struct EchoResult {
    bool replied = false;
    std::chrono::nanoseconds first_reply{};  // from the first request to the first reply
    int requests_sent = 0;
    int send_errors = 0;  // e.g. EHOSTUNREACH once the kernel gave up resolving the neighbour
    std::string failure;  // the probe itself went wrong (a remote ping that could not run): no verdict
};

struct EchoSchedule {
    // Requests are repeated at this interval until a reply arrives; each repeat also re-triggers
    // ARP/ND if the kernel marked the neighbour FAILED.
    std::chrono::milliseconds resend_interval = defaults::kResendInterval;
    // The bounded quiet window: a probe with no reply after this long is reported as no reply.
    // With pacers it is the floor of the window.
    std::chrono::milliseconds window = defaults::kQuietWindow;
    // With pacers among the probes, the window stays open until every pacer has replied and
    // `pace` times as long as the slowest reply so far took (a pacer's or any other probe's), and
    // at least `window`: a slow kernel (or a loaded machine) stretches it instead of turning a
    // reachable cell into a blocked one. A pacer that never replies closes it after `longest`.
    double pace = defaults::kWindowPace;
    std::chrono::milliseconds longest = defaults::kReadyTimeout;
};

// How a run of probes closed its window.
struct EchoWindow {
    std::chrono::milliseconds used{};              // from the first request to the close
    std::chrono::nanoseconds slowest_pacer{};      // the slowest pacer's first reply (0: no pacer)
    std::chrono::nanoseconds slowest_reply{};      // the slowest first reply of any probe, pacers included
    bool pacers_replied = true;                    // false: a pacer never replied within `longest`
};

// Runs all probes at once from one epoll loop, over raw ICMP/ICMPv6 sockets opened in each probe's
// namespace and bound to its source address. Replies are recognised by sender, identifier and
// the probe's own token, so concurrent probes cannot answer for each other. The kernel resolves
// neighbours itself (ARP/ND), exactly as for any other traffic.
// Returns as soon as every probe has a reply, or when the window closes (see EchoSchedule);
// `window`, when given, says how it closed.
std::vector<EchoResult> run_echo_probes(const std::vector<EchoProbe>& probes, const EchoSchedule& schedule,
                                        EchoWindow* window = nullptr);

}  // namespace mvc
