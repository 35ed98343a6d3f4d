// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <atomic>
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

private:
    void run();
    void mirror_multicast(int control_socket);

    NetNamespace ns_;
    std::string macvtap_, guest_;
    UniqueFd queue_, tap_;
    UniqueFd wake_;  // an eventfd that ends the thread's wait
    std::atomic<bool> stop_{false};
    std::set<std::array<uint8_t, 6>> mirrored_;  // only the relay thread touches it
    std::thread thread_;
};

}  // namespace mvc
