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
        return fd;
    });
}

std::vector<ReceivedFrame> PacketSocket::drain() {
    std::vector<ReceivedFrame> frames;
    uint8_t buf[65536];
    for (;;) {
        sockaddr_ll from{};
        socklen_t len = sizeof from;
        const ssize_t n = ::recvfrom(fd_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) break;
        frames.push_back({Frame(buf, buf + n), from.sll_pkttype});
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

std::optional<IpAddress> frame_source_address(const Frame& f) {
    if (f.size() < ETH_HLEN) return std::nullopt;
    const uint16_t type = static_cast<uint16_t>((f[12] << 8) | f[13]);
    if (type == ETH_P_ARP && f.size() >= ETH_HLEN + 28) {
        uint32_t spa;
        std::memcpy(&spa, &f[ETH_HLEN + 14], 4);  // htype ptype hlen plen oper sha(6), then spa
        return IpAddress::v4(ntohl(spa));
    }
    if (type == ETH_P_IP && f.size() >= ETH_HLEN + 20) {
        uint32_t src;
        std::memcpy(&src, &f[ETH_HLEN + 12], 4);
        return IpAddress::v4(ntohl(src));
    }
    if (type == ETH_P_IPV6 && f.size() >= ETH_HLEN + 40) {
        in6_addr src;
        std::memcpy(&src, &f[ETH_HLEN + 8], 16);
        return IpAddress::v6(src);
    }
    return std::nullopt;
}

}  // namespace mvc
