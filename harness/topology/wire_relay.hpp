// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "net_namespace.hpp"
#include "packet_socket.hpp"

namespace mvc {

// A slow cable: every frame that crosses it arrives `delay` later, in order, unchanged. It is the
// wire of a fresh topology cut in two, with a namespace of its own between the halves:
//
//     host: parent ==veth== a  [relay namespace: a -> delay -> b]  b ==veth== peer :ext
//
// The kernel here has no netem, and a slow cable is how to make a reachable path slower than the
// quiet window on purpose, deterministically: the pacers must stretch the window, and no cell may
// be called blocked for it (--inject-fault delay:MS).
class WireRelay {
public:
    // Joins `a` and `b`, two links of `relay` (the relay namespace holds them).
    WireRelay(NetNamespace relay, int a, int b, std::chrono::milliseconds delay);
    ~WireRelay();
    WireRelay(const WireRelay&) = delete;
    WireRelay& operator=(const WireRelay&) = delete;

    const NetNamespace& ns() const { return relay_; }

private:
    void run();

    NetNamespace relay_;
    PacketSocket a_, b_;
    std::chrono::milliseconds delay_;
    std::atomic<bool> stop_{false};
    UniqueFd wake_;  // an eventfd that ends the thread's wait
    std::thread thread_;
};

}  // namespace mvc
