// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>

// Every default of the probe engine, in one place: the command line, the campaigns, the suites
// that probe on their own and the benchmarks all read them from here.
namespace mvc::defaults {

// How long a probe waits for its first reply before the cell is called blocked (--quiet-window-ms).
inline constexpr std::chrono::milliseconds kQuietWindow{300};
// Requests are repeated at this interval; each repeat re-triggers ARP/ND after a failed resolution.
inline constexpr std::chrono::milliseconds kResendInterval{20};
// A window with pacers (cold probes of paths that exist, beside the cells) stays open this many
// times as long as the slowest pacer took: a reachable cell's first reply needs the same neighbour
// resolution and echo as a pacer's, and three times the pacer's latency covers the spread seen
// between concurrent probes of one topology even on a loaded machine.
inline constexpr double kWindowPace = 3.0;
// A cell's silence counts as "blocked" at once only when its window lasted at least this many times
// as long as the slowest reply of its wave; after a slower wave it is probed once more, in a window
// that long (on a quiet machine replies take a few milliseconds, so this costs nothing there).
inline constexpr double kSilenceMargin = 10.0;
// How long a topology may take to show its links up and answer its controls (--ready-timeout-ms).
inline constexpr std::chrono::milliseconds kReadyTimeout{5000};
// Per-interface ARP/ND retransmit time in the run's own namespaces: a lost solicitation costs
// milliseconds instead of the kernel's default second.
inline constexpr unsigned kNeighbourRetransmitMs = 100;
// Topologies built and probed at the same time on fresh wires.
inline constexpr unsigned kParallelTopologies = 32;
// Of those, how many may have VM endpoints (guest_slot.hpp says why they count apart).
inline constexpr unsigned kParallelGuestTopologies = 6;
// How often a guest relay compares the guest's multicast list with its macvtap's when nothing told
// it to (it also does on every MLD or IGMP report the guest sends, and when a probe asks): rarely,
// because under TCG dozens of relays reading /proc that often starve the guest kernel.
inline constexpr std::chrono::milliseconds kGuestFilterResync{200};

}  // namespace mvc::defaults
