// SPDX-License-Identifier: MIT
#include "traffic.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>
#include <vector>

#include "error.hpp"
#include "unique_fd.hpp"

namespace mvc {

namespace {

using Clock = std::chrono::steady_clock;

// How long one blocked send, receive, accept or connect may wait before the path is declared
// broken. Far above anything a working path needs (a retransmitted SYN comes after 1 s), far below
// what would make a broken path look like a hang.
constexpr auto kStallTimeout = std::chrono::seconds(5);
// How long the flood's receiver waits for more once the sender has finished: its last datagrams
// are in the socket's queue or on their way through a relay thread.
constexpr auto kFloodDrain = std::chrono::milliseconds(50);

sockaddr_storage socket_address(const IpAddress& address, uint16_t port, socklen_t& length) {
    sockaddr_storage storage{};
    if (address.family() == Family::ipv4) {
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr = address.v4();
        length = sizeof(sockaddr_in);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        in6->sin6_addr = address.v6();
        length = sizeof(sockaddr_in6);
    }
    return storage;
}

void set_timeout(int fd, int option, std::chrono::microseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000000);
    tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000000);
    if (::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv) != 0) throw_errno("setsockopt(SO_RCVTIMEO/SO_SNDTIMEO)");
}

void set_int(int fd, int level, int option, int value, const char* what) {
    if (::setsockopt(fd, level, option, &value, sizeof value) != 0) throw_errno(std::string("setsockopt(") + what + ")");
}

// A socket of `type` opened inside `ns` and bound to `address` (port 0: the kernel picks one), with
// the stall timeouts set. It belongs to `ns` for its whole life, whichever thread uses it.
UniqueFd bound_socket(const NetNamespace& ns, const IpAddress& address, int type) {
    UniqueFd fd = ns.run([&] {
        UniqueFd s(::socket(address_family(address.family()), type | SOCK_CLOEXEC, 0));
        if (!s) throw_errno("socket");
        return s;
    });
    set_int(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    socklen_t length = 0;
    const auto sa = socket_address(address, 0, length);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), length) != 0) throw_errno("bind to " + address.str());
    set_timeout(fd.get(), SO_RCVTIMEO, kStallTimeout);
    set_timeout(fd.get(), SO_SNDTIMEO, kStallTimeout);
    return fd;
}

uint16_t local_port(int fd) {
    sockaddr_storage sa{};
    socklen_t length = sizeof sa;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &length) != 0) throw_errno("getsockname");
    return ntohs(sa.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&sa)->sin_port
                                         : reinterpret_cast<sockaddr_in6*>(&sa)->sin6_port);
}

void connect_to(int fd, const IpAddress& address, uint16_t port) {
    socklen_t length = 0;
    const auto sa = socket_address(address, port, length);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), length) != 0)
        throw TrafficError("connect to " + address.str() + ":" + std::to_string(port) + " failed: " + errno_name(errno) +
                           (errno == EAGAIN || errno == EINPROGRESS ? " (no answer within the stall timeout)" : ""));
}

std::string stalled(const char* what, int error) {
    return std::string(what) + " failed: " + errno_name(error) + (error == EAGAIN ? " (nothing moved within the stall timeout)" : "");
}

// The receiving side of a measurement on a thread of its own. Its failure is rethrown by join();
// `unblock` (shutting its sockets down) makes a receiver that waits for a failed sender give up now.
class Receiver {
public:
    template <typename Fn>
    explicit Receiver(Fn fn)
        : thread_([this, fn = std::move(fn)]() mutable {
              try {
                  fn();
              } catch (...) {
                  failure_ = std::current_exception();
              }
          }) {}
    ~Receiver() {
        if (thread_.joinable()) thread_.join();
    }
    void join() {
        thread_.join();
        if (failure_) std::rethrow_exception(failure_);
    }

private:
    std::exception_ptr failure_;
    std::thread thread_;
};

// Accepts one connection on `listener`, which has the stall timeout.
UniqueFd accept_one(int listener) {
    UniqueFd conn(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) throw TrafficError(stalled("accept", errno));
    set_timeout(conn.get(), SO_RCVTIMEO, kStallTimeout);
    set_timeout(conn.get(), SO_SNDTIMEO, kStallTimeout);
    return conn;
}

double seconds_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

BulkResult tcp_bulk(const TrafficEnds& ends, std::chrono::milliseconds duration) {
    UniqueFd listener = bound_socket(*ends.server, ends.server_address, SOCK_STREAM);
    if (::listen(listener.get(), 1) != 0) throw_errno("listen");
    const uint16_t port = local_port(listener.get());
    UniqueFd client = bound_socket(*ends.client, ends.client_address, SOCK_STREAM);

    uint64_t received = 0;
    Clock::time_point last{};
    Receiver receiver([&] {
        const UniqueFd conn = accept_one(listener.get());
        std::vector<char> buffer(256 * 1024);
        for (;;) {
            const ssize_t n = ::recv(conn.get(), buffer.data(), buffer.size(), 0);
            if (n == 0) break;
            if (n < 0) {
                if (errno == EINTR) continue;
                throw TrafficError(stalled("receiving the bulk stream", errno));
            }
            received += static_cast<uint64_t>(n);
        }
        last = Clock::now();
    });
    Clock::time_point start;
    try {
        connect_to(client.get(), ends.server_address, port);
        std::vector<char> chunk(128 * 1024, 'x');
        start = Clock::now();
        while (Clock::now() - start < duration) {
            const ssize_t n = ::send(client.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
            if (n < 0 && errno != EINTR) throw TrafficError(stalled("sending the bulk stream", errno));
        }
        if (::shutdown(client.get(), SHUT_WR) != 0) throw_errno("shutdown");
    } catch (...) {
        client.reset();
        ::shutdown(listener.get(), SHUT_RDWR);
        throw;  // ~Receiver joins
    }
    receiver.join();
    return {received, seconds_between(start, last)};
}

FloodResult udp_flood(const TrafficEnds& ends, std::chrono::milliseconds duration, std::size_t payload) {
    UniqueFd server = bound_socket(*ends.server, ends.server_address, SOCK_DGRAM);
    // A deep queue, so the receiver thread losing the core for a moment does not count as the path
    // dropping: SO_RCVBUFFORCE passes rmem_max (root only; otherwise what the sysctl allows).
    const int want = 8 * 1024 * 1024;
    if (::setsockopt(server.get(), SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want) != 0)
        (void)::setsockopt(server.get(), SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
    set_timeout(server.get(), SO_RCVTIMEO, kFloodDrain);
    const uint16_t port = local_port(server.get());
    UniqueFd client = bound_socket(*ends.client, ends.client_address, SOCK_DGRAM);
    connect_to(client.get(), ends.server_address, port);

    constexpr unsigned kBatch = 64;
    std::atomic<bool> sending{true};
    uint64_t received = 0;
    Clock::time_point last{};
    const Clock::time_point start = Clock::now();
    Receiver receiver([&] {
        std::vector<char> buffers(kBatch * 2048);
        std::vector<iovec> iov(kBatch);
        std::vector<mmsghdr> msgs(kBatch);
        for (unsigned i = 0; i < kBatch; ++i) {
            iov[i] = {buffers.data() + i * 2048, 2048};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        auto idle_since = Clock::now();
        for (;;) {
            const int n = ::recvmmsg(server.get(), msgs.data(), kBatch, 0, nullptr);
            const auto now = Clock::now();
            if (n > 0) {
                received += static_cast<uint64_t>(n);
                last = idle_since = now;
                continue;
            }
            if (errno == EINTR) continue;
            if (errno != EAGAIN) throw TrafficError(stalled("receiving the datagrams", errno));
            if (!sending && now - idle_since >= kFloodDrain) return;  // drained
            if (now - idle_since > kStallTimeout) return;             // nothing arrives; the caller says so
        }
    });
    uint64_t sent = 0;
    try {
        std::vector<char> datagram(payload, 'x');
        std::vector<iovec> iov(kBatch, iovec{datagram.data(), datagram.size()});
        std::vector<mmsghdr> msgs(kBatch);
        for (unsigned i = 0; i < kBatch; ++i) {
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        while (Clock::now() - start < duration) {
            const int n = ::sendmmsg(client.get(), msgs.data(), kBatch, 0);
            if (n > 0) sent += static_cast<uint64_t>(n);
            // A full device queue (ENOBUFS) is the path being saturated, not broken: send again.
            else if (errno != EINTR && errno != ENOBUFS && errno != EAGAIN) throw TrafficError(stalled("sending the datagrams", errno));
        }
    } catch (...) {
        sending = false;
        throw;
    }
    sending = false;
    receiver.join();
    if (received == 0) throw TrafficError("none of " + std::to_string(sent) + " datagrams arrived");
    return {sent, received, seconds_between(start, last)};
}

LatencyResult tcp_request_response(const TrafficEnds& ends, std::chrono::milliseconds duration) {
    UniqueFd listener = bound_socket(*ends.server, ends.server_address, SOCK_STREAM);
    if (::listen(listener.get(), 1) != 0) throw_errno("listen");
    const uint16_t port = local_port(listener.get());
    UniqueFd client = bound_socket(*ends.client, ends.client_address, SOCK_STREAM);
    set_int(client.get(), IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");

    Receiver server([&] {
        const UniqueFd conn = accept_one(listener.get());
        set_int(conn.get(), IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
        char byte = 0;
        for (;;) {
            const ssize_t n = ::recv(conn.get(), &byte, 1, 0);
            if (n == 0) return;
            if (n < 0) {
                if (errno == EINTR) continue;
                throw TrafficError(stalled("receiving a request", errno));
            }
            if (::send(conn.get(), &byte, 1, MSG_NOSIGNAL) != 1) throw TrafficError(stalled("sending a response", errno));
        }
    });
    std::vector<double> samples;
    samples.reserve(1 << 18);
    try {
        connect_to(client.get(), ends.server_address, port);
        const auto start = Clock::now();
        char byte = 'r';
        for (auto now = start; now - start < duration;) {
            if (::send(client.get(), &byte, 1, MSG_NOSIGNAL) != 1) throw TrafficError(stalled("sending a request", errno));
            ssize_t n;
            do n = ::recv(client.get(), &byte, 1, 0);
            while (n < 0 && errno == EINTR);
            if (n != 1) throw TrafficError(n == 0 ? "the server closed the connection" : stalled("receiving a response", errno));
            const auto done = Clock::now();
            samples.push_back(std::chrono::duration<double, std::micro>(done - now).count());
            now = done;
        }
    } catch (...) {
        client.reset();
        ::shutdown(listener.get(), SHUT_RDWR);
        throw;
    }
    client.reset();  // the server sees the end of the stream and returns
    server.join();
    if (samples.empty()) throw TrafficError("no transaction completed");
    std::sort(samples.begin(), samples.end());
    auto at = [&](double q) { return samples[std::min(samples.size() - 1, static_cast<size_t>(q * static_cast<double>(samples.size())))]; };
    return {samples.size(), at(0.5), at(0.99)};
}

}  // namespace mvc
