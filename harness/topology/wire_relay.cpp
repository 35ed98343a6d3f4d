// SPDX-License-Identifier: MIT
#include "wire_relay.hpp"

#include <linux/if_packet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <deque>

#include "error.hpp"

namespace mvc {

namespace {

using Clock = std::chrono::steady_clock;

struct Held {
    Frame frame;
    Clock::time_point release;
};

}  // namespace

WireRelay::WireRelay(NetNamespace relay, int a, int b, std::chrono::milliseconds delay)
    : relay_(std::move(relay)), a_(relay_, a), b_(relay_, b), delay_(delay), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!wake_) throw_errno("eventfd for the wire relay");
    a_.reserve_buffer(4 << 20);
    b_.reserve_buffer(4 << 20);
    thread_ = std::thread([this] { run(); });
}

WireRelay::~WireRelay() {
    stop_ = true;
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
    thread_.join();
}

void WireRelay::run() {
    std::deque<Held> to_b, to_a;  // in arrival order, so in release order too
    while (!stop_) {
        auto next = Clock::time_point::max();
        for (const auto* q : {&to_a, &to_b})
            if (!q->empty()) next = std::min(next, q->front().release);
        int timeout = -1;
        if (next != Clock::time_point::max())
            timeout = static_cast<int>(std::max<int64_t>(
                0, std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now()).count()));
        pollfd fds[] = {{a_.fd(), POLLIN, 0}, {b_.fd(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
        if (::poll(fds, 3, timeout) < 0 && errno != EINTR) return;
        const auto now = Clock::now();
        // A packet socket also sees what the relay itself sends out of that link: skip those.
        for (auto& f : a_.drain())
            if (f.packet_type != PACKET_OUTGOING) to_b.push_back({std::move(f.frame), now + delay_});
        for (auto& f : b_.drain())
            if (f.packet_type != PACKET_OUTGOING) to_a.push_back({std::move(f.frame), now + delay_});
        for (auto [queue, out] : {std::pair{&to_b, &b_}, std::pair{&to_a, &a_}})
            while (!queue->empty() && queue->front().release <= Clock::now()) {
                try {
                    out->send(queue->front().frame);
                } catch (const std::exception&) {
                    // A full transmit queue loses the frame, as a congested cable would.
                }
                queue->pop_front();
            }
    }
}

}  // namespace mvc
