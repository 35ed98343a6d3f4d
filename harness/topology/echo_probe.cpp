// SPDX-License-Identifier: MIT
#include "echo_probe.hpp"

#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <random>

#include "echo_reply.hpp"
#include "error.hpp"
#include "unique_fd.hpp"

namespace mvc {

namespace {

using Clock = std::chrono::steady_clock;

uint64_t run_nonce() {
    static const uint64_t nonce = [] {
        std::random_device rd;
        return (static_cast<uint64_t>(rd()) << 32) | rd();
    }();
    return nonce;
}

uint16_t next_identifier() {
    static std::atomic<uint16_t> id{static_cast<uint16_t>(std::random_device{}())};
    return id++;
}

uint16_t inet_checksum(const void* data, size_t len) {
    uint32_t sum = 0;
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i + 1 < len; i += 2) sum += (p[i] << 8) | p[i + 1];
    if (len & 1) sum += p[len - 1] << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return htons(static_cast<uint16_t>(~sum));
}

socklen_t fill_sockaddr(const IpAddress& a, sockaddr_storage& ss) {
    std::memset(&ss, 0, sizeof ss);
    if (a.family() == Family::ipv4) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
        sin->sin_family = AF_INET;
        sin->sin_addr = a.v4();
        return sizeof *sin;
    }
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr = a.v6();
    return sizeof *sin6;
}

UniqueFd open_probe_socket(const EchoProbe& p) {
    const bool v4 = p.source.family() == Family::ipv4;
    const int domain = v4 ? AF_INET : AF_INET6;
    const int protocol = v4 ? static_cast<int>(IPPROTO_ICMP) : static_cast<int>(IPPROTO_ICMPV6);
    UniqueFd fd(::socket(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
    if (!fd) throw_errno("raw ICMP socket");
    if (v4) {
        icmp_filter filter{~(1U << ICMP_ECHOREPLY)};  // set bits are dropped
        if (::setsockopt(fd.get(), SOL_RAW, ICMP_FILTER, &filter, sizeof filter) != 0) throw_errno("ICMP_FILTER");
    } else {
        icmp6_filter filter;
        ICMP6_FILTER_SETBLOCKALL(&filter);
        ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
        if (::setsockopt(fd.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) != 0) throw_errno("ICMP6_FILTER");
    }
    sockaddr_storage ss;
    const socklen_t len = fill_sockaddr(p.source, ss);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) throw_errno("bind probe socket to " + p.source.str());
    return fd;
}

struct Conversation {
    const EchoProbe* probe;
    UniqueFd fd;
    uint16_t identifier;
    uint32_t index;
    uint32_t sequence = 0;
    EchoResult result;
};

void send_request(Conversation& c) {
    struct {
        uint8_t type, code;
        uint16_t checksum, identifier, sequence;
        EchoToken token;
    } __attribute__((packed)) packet{};
    const bool v4 = c.probe->destination.family() == Family::ipv4;
    packet.type = v4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
    packet.identifier = htons(c.identifier);
    packet.sequence = htons(static_cast<uint16_t>(++c.sequence));
    packet.token = {run_nonce(), c.index, c.sequence};
    if (v4) packet.checksum = inet_checksum(&packet, sizeof packet);  // the kernel does ICMPv6's
    sockaddr_storage ss;
    const socklen_t len = fill_sockaddr(c.probe->destination, ss);
    if (::sendto(c.fd.get(), &packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&ss), len) < 0)
        ++c.result.send_errors;
    else
        ++c.result.requests_sent;
}

// True when the datagram is this conversation's echo reply.
bool is_reply(const Conversation& c, const uint8_t* data, size_t len, const sockaddr_storage& from) {
    const Family family = c.probe->destination.family();
    const auto reply = parse_echo_reply(family, data, len);
    if (!reply) return false;
    const IpAddress sender = family == Family::ipv4
                                 ? IpAddress::v4(ntohl(reinterpret_cast<const sockaddr_in&>(from).sin_addr.s_addr))
                                 : IpAddress::v6(reinterpret_cast<const sockaddr_in6&>(from).sin6_addr);
    return reply->identifier == c.identifier && reply->token.nonce == run_nonce() && reply->token.probe == c.index &&
           sender == c.probe->destination;
}

}  // namespace

std::vector<EchoResult> run_echo_probes(const std::vector<EchoProbe>& probes, const EchoSchedule& schedule, EchoWindow* window) {
    std::vector<Conversation> conversations(probes.size());
    // Open each namespace's sockets on one thread inside it; the sockets keep their namespace.
    std::map<const NetNamespace*, std::vector<size_t>> by_namespace;
    for (size_t i = 0; i < probes.size(); ++i) by_namespace[probes[i].ns].push_back(i);
    for (const auto& [ns, indices] : by_namespace) {
        auto sockets = ns->run([&, &idx = indices] {
            std::vector<UniqueFd> out;
            for (size_t i : idx) out.push_back(open_probe_socket(probes[i]));
            return out;
        });
        for (size_t k = 0; k < indices.size(); ++k) {
            auto& c = conversations[indices[k]];
            c.probe = &probes[indices[k]];
            c.fd = std::move(sockets[k]);
            c.identifier = next_identifier();
            c.index = static_cast<uint32_t>(indices[k]);
        }
    }

    UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll) throw_errno("epoll_create1");
    for (auto& c : conversations) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = c.index;
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, c.fd.get(), &ev) != 0) throw_errno("epoll_ctl");
    }

    const auto start = Clock::now();
    size_t pacers_pending = 0;
    for (const auto& p : probes) pacers_pending += p.pacer ? 1 : 0;
    const bool paced = pacers_pending > 0 && schedule.pace > 0;
    std::chrono::nanoseconds slowest_pacer{};
    // Every reply is a sample of how slow the kernel is right now, a cell's as much as a pacer's:
    // under a loaded TCG guest one class of path (host <-> slave through a reflecting switch) was
    // seen answering at 265 ms while the pacers (paths from ext) answered at 130 ms, and a window
    // of three pacer latencies turned its slower cells into false "blocked" verdicts.
    std::chrono::nanoseconds slowest_reply{};
    // Unpaced: the fixed window. Paced: open until every pacer replied and `pace` times the slowest
    // reply's latency has passed, never shorter than the window.
    auto close_at = [&] {
        if (!paced) return start + schedule.window;
        if (pacers_pending > 0) return start + std::max(schedule.window, schedule.longest);
        const auto stretched = std::chrono::duration_cast<Clock::duration>(slowest_reply * schedule.pace);
        return start + std::max<Clock::duration>(schedule.window, stretched);
    };
    auto next_send = start;
    size_t pending = conversations.size();
    std::vector<epoll_event> events(64);
    while (pending > 0) {
        auto now = Clock::now();
        const auto close = close_at();
        if (now >= close) break;
        if (now >= next_send) {
            for (auto& c : conversations)
                if (!c.result.replied) send_request(c);
            next_send = now + schedule.resend_interval;
        }
        const auto wake = std::min(next_send, close);
        const auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now()).count();
        const int n = ::epoll_wait(epoll.get(), events.data(), static_cast<int>(events.size()),
                                   static_cast<int>(std::max<int64_t>(wait_ms, 0)));
        if (n < 0 && errno != EINTR) throw_errno("epoll_wait");
        for (int i = 0; i < n; ++i) {
            auto& c = conversations[events[i].data.u32];
            uint8_t buf[2048];
            for (;;) {
                sockaddr_storage from{};
                socklen_t fromlen = sizeof from;
                const ssize_t got = ::recvfrom(c.fd.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fromlen);
                if (got < 0) {
                    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                    continue;  // a queued socket error (e.g. host unreachable) is consumed by the read
                }
                if (!c.result.replied && is_reply(c, buf, static_cast<size_t>(got), from)) {
                    c.result.replied = true;
                    c.result.first_reply = Clock::now() - start;
                    --pending;
                    slowest_reply = std::max(slowest_reply, std::chrono::duration_cast<std::chrono::nanoseconds>(c.result.first_reply));
                    if (c.probe->pacer) {
                        --pacers_pending;
                        slowest_pacer = std::max(slowest_pacer, std::chrono::duration_cast<std::chrono::nanoseconds>(c.result.first_reply));
                    }
                }
            }
        }
    }
    if (window) {
        window->used = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
        window->slowest_pacer = slowest_pacer;
        window->slowest_reply = slowest_reply;
        window->pacers_replied = pacers_pending == 0;
    }

    std::vector<EchoResult> results;
    results.reserve(conversations.size());
    for (auto& c : conversations) results.push_back(c.result);
    return results;
}

}  // namespace mvc
