// SPDX-License-Identifier: MIT
#pragma once

// Tagged test frames for the suites that watch who receives what: sent into a VethLab's parent
// from the far end of the wire with any source and destination MAC (as stations behind the peer
// would send them), and looked for by tag on the devices whose stacks should or should not get them.

#include <poll.h>
#include <sched.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "error.hpp"
#include "packet_socket.hpp"
#include "veth_lab.hpp"

namespace mvc {

class FrameInjector {
public:
    static constexpr uint8_t kMarker = 0xa5;  // first payload byte of every tagged frame

    // Bound to the test ethertype although it only sends, so that nothing queues up on it.
    explicit FrameInjector(VethLab& lab) : socket_(lab.ext, lab.peer, kTestEthertype) {}

    void send(const MacAddress& destination, const MacAddress& source, uint8_t tag) {
        socket_.send(ethernet_frame(destination, source, kTestEthertype, {kMarker, tag}));
    }

private:
    PacketSocket socket_;
};

// The tagged frames one device's own stack is handed (see PacketSocket: bound to one ethertype it
// sees them after the rx handler has decided), with their packet type and how many copies came.
class TaggedReceiver {
public:
    TaggedReceiver(const NetNamespace& ns, int ifindex) : socket_(ns, ifindex, kTestEthertype) {}

    // True as soon as `tag` has arrived, false if `timeout` passes first.
    bool wait_for(uint8_t tag, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            collect();
            if (saw(tag)) return true;
            if (!wait_readable(deadline)) {
                collect();
                return saw(tag);
            }
        }
    }
    // Collects for the whole window: the chance a frame that must not arrive is given to arrive.
    void linger(std::chrono::milliseconds window) {
        const auto deadline = std::chrono::steady_clock::now() + window;
        while (wait_readable(deadline)) collect();
        collect();
    }

    // Subscribes the device to a multicast group, as a group join would (see PacketSocket).
    void join_multicast(const MacAddress& group) { socket_.join_multicast(group); }

    bool saw(uint8_t tag) const { return copies_.count(tag) != 0; }
    unsigned copies(uint8_t tag) const { return saw(tag) ? copies_.at(tag) : 0; }
    std::optional<uint8_t> packet_type(uint8_t tag) const {
        if (auto it = packet_types_.find(tag); it != packet_types_.end()) return it->second;
        return std::nullopt;
    }
    const std::vector<uint8_t>& arrival_order() const { return order_; }

private:
    // Waits until the socket is readable (true) or the deadline passes (false).
    bool wait_readable(std::chrono::steady_clock::time_point deadline) {
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) return false;
        pollfd p{socket_.fd(), POLLIN, 0};
        const int n = ::poll(&p, 1, static_cast<int>(left));
        if (n < 0 && errno != EINTR) throw_errno("poll packet socket");
        return n != 0;
    }
    void collect() {
        for (const auto& r : socket_.drain()) {
            const auto& f = r.frame;
            if (f.size() < 16 || f[12] != (kTestEthertype >> 8) || f[13] != (kTestEthertype & 0xff) ||
                f[14] != FrameInjector::kMarker)
                continue;
            ++copies_[f[15]];
            packet_types_.emplace(f[15], r.packet_type);
            order_.push_back(f[15]);
        }
    }

    PacketSocket socket_;
    std::map<uint8_t, unsigned> copies_;
    std::map<uint8_t, uint8_t> packet_types_;  // of the first copy
    std::vector<uint8_t> order_;
};

// Keeps the calling thread on the CPU it runs on while it exists. Frames sent back to back then
// enter one per-CPU backlog (net/core/dev.c enqueue_to_backlog, FIFO), and so do the copies macvlan
// makes of them with __netif_rx: whatever the first frame causes is queued before what the second
// causes. That makes "the sentinel sent after X has arrived" mean "X has been decided".
class StayOnThisCpu {
public:
    StayOnThisCpu() {
        CPU_ZERO(&saved_);
        if (::sched_getaffinity(0, sizeof saved_, &saved_) != 0) throw_errno("sched_getaffinity");
        const int cpu = ::sched_getcpu();
        if (cpu < 0) throw_errno("sched_getcpu");
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        if (::sched_setaffinity(0, sizeof one, &one) != 0) throw_errno("sched_setaffinity");
    }
    ~StayOnThisCpu() { ::sched_setaffinity(0, sizeof saved_, &saved_); }
    StayOnThisCpu(const StayOnThisCpu&) = delete;
    StayOnThisCpu& operator=(const StayOnThisCpu&) = delete;

private:
    cpu_set_t saved_;
};

// The peer's transmit queue works only once linkwatch has handled its carrier-on event
// (net/sched/sch_generic.c dev_activate); until then what it sends is dropped. A frame from the
// peer to the parent's own MAC, resent until the parent's stack has one, proves the wire carries
// frames. Call it before the peer's MAC is on any source list: a nodst slave would consume them.
inline void wait_until_the_wire_carries_frames(VethLab& lab,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    constexpr uint8_t kHandshakeTag = 0;
    TaggedReceiver parent(lab.host, lab.parent);
    FrameInjector injector(lab);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        injector.send(lab.parent_mac, lab.peer_mac, kHandshakeTag);
        if (parent.wait_for(kHandshakeTag, std::chrono::milliseconds(20))) return;
    }
    throw std::runtime_error("no frame from the peer reached the parent within " + std::to_string(timeout.count()) +
                             " ms: the lab's wire does not carry frames");
}

}  // namespace mvc
