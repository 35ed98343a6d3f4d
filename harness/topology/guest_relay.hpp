// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <atomic>
#include <mutex>
#include <cstdint>
#include <set>
#include <string>
#include <thread>

#include "net_namespace.hpp"
#include "unique_fd.hpp"

namespace mvc {

// A virtual machine's NIC on a macvtap, reduced to what the conformance suite needs: a thread that
// moves every frame between the macvtap's queue (the fd QEMU would read and write) and a TAP
// interface in the guest's namespace, whose kernel stack plays the guest's. So the guest answers
// ARP, neighbour discovery and echo requests exactly as a Linux guest would, and it is probed,
// flushed and captured like any other endpoint (run_echo_probes sees only an interface).
//
//     parent --macvlan port-- macvtap0 --queue fd--> [relay] --TAP fd--> eth0 (guest stack)
//
// The guest's receive filter is passed on as libvirt does with trustGuestRxFilters='yes': every
// link-layer multicast address the guest's interface has joined is added to the macvtap
// (SIOCADDMULTI), so macvlan_broadcast, which delivers a multicast frame to a slave only if its
// mc_filter has the address's hash bit (macvlan_set_mac_filter builds it from the slave netdev's
// list), lets the guest's neighbour solicitations through. Without that, only the groups the
// macvtap netdev joined itself would pass, and IPv6 to the guest would fail on a hash collision's
// whim.
//
// Owns both descriptors: destroying it stops and joins the thread, then closes them, which detaches
// the queue (tap_release) and deletes the TAP (it is not persistent).
class GuestRelay {
public:
    // `macvtap` and `guest` are the two interfaces' names in `ns`.
    GuestRelay(const NetNamespace& ns, std::string macvtap, std::string guest, UniqueFd queue, UniqueFd tap);
    ~GuestRelay();
    GuestRelay(const GuestRelay&) = delete;
    GuestRelay& operator=(const GuestRelay&) = delete;

    // Passes the guest's multicast list on to the macvtap now, and returns when it has: what the
    // guest joined is in the macvtap's filter, what it left is gone from it. The thread does the
    // same whenever the guest sends an MLD or IGMP report and every kGuestFilterResync; a probe
    // that must not start before a join took effect (one that sends no report) asks.
    void sync_filter();

private:
    void run();
    int mirror_multicast(int control_socket);  // 0, or the errno of a change the macvtap refused

    NetNamespace ns_;
    std::string macvtap_, guest_;
    UniqueFd queue_, tap_;
    UniqueFd wake_;  // an eventfd that ends the thread's wait
    std::atomic<bool> stop_{false};
    std::mutex mirror_mutex_;                    // the relay thread and sync_filter both mirror
    std::set<std::array<uint8_t, 6>> mirrored_;  // under mirror_mutex_
    std::thread thread_;
};

}  // namespace mvc
