// SPDX-License-Identifier: MIT
#include "packet_socket.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include <cstring>

#include "error.hpp"

namespace mvc {

Frame ethernet_frame(const MacAddress& destination, const MacAddress& source, uint16_t ethertype,
                     const std::vector<uint8_t>& payload) {
    Frame f(destination.bytes().begin(), destination.bytes().end());
    f.insert(f.end(), source.bytes().begin(), source.bytes().end());
    f.push_back(static_cast<uint8_t>(ethertype >> 8));
    f.push_back(static_cast<uint8_t>(ethertype & 0xff));
    f.insert(f.end(), payload.begin(), payload.end());
    if (f.size() < ETH_ZLEN) f.resize(ETH_ZLEN, 0);
    return f;
}

PacketSocket::PacketSocket(const NetNamespace& ns, int ifindex, uint16_t protocol) : ifindex_(ifindex) {
    fd_ = ns.run([ifindex, protocol] {
        UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(protocol)));
        if (!fd) throw_errno("AF_PACKET socket");
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(protocol);
        sll.sll_ifindex = ifindex;
        if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) throw_errno("bind AF_PACKET");
        const int on = 1;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
        return fd;
    });
}

void PacketSocket::reserve_buffer(int bytes) {
    // SO_RCVBUFFORCE ignores rmem_max (we hold CAP_NET_ADMIN); fall back to what is allowed.
    if (::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
        ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

std::vector<ReceivedFrame> PacketSocket::drain() {
    std::vector<ReceivedFrame> frames;
    uint8_t buf[65536];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    for (;;) {
        sockaddr_ll from{};
        iovec iov{buf, sizeof buf};
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(fd_.get(), &msg, 0);
        if (n < 0) break;
        ReceivedFrame r{Frame(buf, buf + n), from.sll_pkttype, {}};
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) std::memcpy(&r.stamp, CMSG_DATA(c), sizeof r.stamp);
        frames.push_back(std::move(r));
    }
    return frames;
}

void PacketSocket::send(const Frame& frame) {
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifindex_;
    to.sll_halen = ETH_ALEN;
    std::memcpy(to.sll_addr, frame.data(), ETH_ALEN);
    if (::sendto(fd_.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0)
        throw_errno("send frame on AF_PACKET");
}

void PacketSocket::join_multicast(const MacAddress& group) {
    packet_mreq mreq{};
    mreq.mr_ifindex = ifindex_;
    mreq.mr_type = PACKET_MR_MULTICAST;
    mreq.mr_alen = ETH_ALEN;
    std::memcpy(mreq.mr_address, group.bytes().data(), ETH_ALEN);
    if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof mreq) != 0)
        throw_errno("PACKET_ADD_MEMBERSHIP " + group.str());
}

namespace {
// Offsets after the Ethernet header: ARP spa/tpa (after htype ptype hlen plen oper sha / tha),
// IPv4 saddr/daddr, IPv6 saddr/daddr.
std::optional<IpAddress> frame_address(const Frame& f, bool source) {
    if (f.size() < ETH_HLEN) return std::nullopt;
    const uint16_t type = static_cast<uint16_t>((f[12] << 8) | f[13]);
    auto v4_at = [&](size_t offset) {
        uint32_t a;
        std::memcpy(&a, &f[ETH_HLEN + offset], 4);
        return IpAddress::v4(ntohl(a));
    };
    if (type == ETH_P_ARP && f.size() >= ETH_HLEN + 28) return v4_at(source ? 14 : 24);
    if (type == ETH_P_IP && f.size() >= ETH_HLEN + 20) return v4_at(source ? 12 : 16);
    if (type == ETH_P_IPV6 && f.size() >= ETH_HLEN + 40) {
        in6_addr a;
        std::memcpy(&a, &f[ETH_HLEN + (source ? 8 : 24)], 16);
        return IpAddress::v6(a);
    }
    return std::nullopt;
}
}  // namespace

std::optional<IpAddress> frame_source_address(const Frame& f) { return frame_address(f, true); }
std::optional<IpAddress> frame_destination_address(const Frame& f) { return frame_address(f, false); }

}  // namespace mvc
