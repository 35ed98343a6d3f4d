// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <compare>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "addresses.hpp"
#include "frame_kind.hpp"
#include "probe_defaults.hpp"
#include "topology.hpp"

namespace mvc {

// The multicast groups a probe sends to. A slave's filter is a 256-bit hash (mc_hash in macvlan.c:
// hash_32 of address bytes 2..5 xor a per-slave value), so a group nobody joined still reaches a
// slave whose filter happens to hold the same bit. These groups differ only in byte 5, the top
// byte of the hashed word, which hash_32's multiplication by an odd constant maps one-to-one: their
// bits are all different, and none equals broadcast's (bytes 2..4 are ff:ff:ff, like broadcast's).
// So every other group a receiver subscribes to can let through at most one of them.
std::vector<MacAddress> delivery_test_groups();

struct DeliveryProbeOptions {
    std::vector<Endpoint> senders;        // each sends one broadcast and one frame to every test group
    std::vector<Endpoint> group_members;  // join every test group (dev_mc_add) before anything is sent
    // The control broadcasts that must get through, before and after the test frames, for a "not
    // delivered" to mean anything: (sender, receiver) pairs the delivery rules say exist, so that
    // every receiver hears some control and every sender is heard.
    std::vector<std::pair<Endpoint, Endpoint>> controls;
    std::chrono::milliseconds quiet_window = defaults::kQuietWindow;     // after the last test frame, before "not delivered"
    std::chrono::milliseconds control_timeout = defaults::kReadyTimeout;  // how long the controls may take to get through
};

struct DeliveryKey {
    FrameKind frame = FrameKind::broadcast;
    Endpoint from = kExt;
    Endpoint to = kHost;
    auto operator<=>(const DeliveryKey&) const = default;
};

struct DeliveryCount {
    unsigned received = 0;  // distinct test frames (one per group, or the one broadcast) that arrived
    unsigned sent = 0;      // distinct test frames there were
    // How many of them hash collisions could deliver to a receiver that did not subscribe: its other
    // subscribed groups whose bytes 2..4 differ from the test groups' (0 for a broadcast).
    unsigned collision_budget = 0;
    std::chrono::nanoseconds first_arrival{};  // from the first test frame sent to the first received
    // Test frames that arrived more than once in one round: each receiver gets one copy, or none.
    unsigned duplicates = 0;
};

struct DeliveryReport {
    std::map<DeliveryKey, DeliveryCount> counts;  // every (frame, sender, receiver), the sender included
    bool trusted = false;  // the controls got through before and after the test frames
    std::string problem;   // why not
};

// Observes who receives the senders' broadcast and multicast frames in a built topology.
//
// First it turns IPv6 off everywhere and restarts the slaves, so that each slave's filter holds
// only broadcast and 224.0.0.1's group (see narrow_multicast_filters in the .cpp), and waits for
// the links to be up again.
//
// Every endpoint gets an AF_PACKET socket bound to kTestEthertype on its interface. Such a socket
// sees only what the device's own stack is handed after macvlan_handle_frame decided (an ETH_P_ALL
// tap would also see frames macvlan then consumes), and never the frames the device sends.
//
// A "not delivered" verdict is only as good as the evidence that the topology works, so the
// controls (options.controls) must get through before the test frames and again after them. Broadcasts reach slaves
// through macvlan's work queue (macvlan_broadcast_enqueue), so nothing is inferred from the order
// of arrivals: test frames that have not arrived within the quiet window after the last one was
// sent count as not delivered. Test frames are sent three times, 10 ms apart, so that one dropped
// copy cannot pass for a mode's decision; a frame counts once however many copies arrive.
DeliveryReport probe_delivery(Topology& topology, const DeliveryProbeOptions& options);

}  // namespace mvc
