#include "packet_tap.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include <cstring>

#include "error.hpp"

namespace mvc {

PacketTap::PacketTap(const NetNamespace& ns, int ifindex) {
    fd_ = ns.run([ifindex] {
        UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)));
        if (!fd) throw_errno("AF_PACKET socket");
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(ETH_P_ALL);
        sll.sll_ifindex = ifindex;
        if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) throw_errno("bind AF_PACKET");
        return fd;
    });
}

std::vector<Frame> PacketTap::drain() {
    std::vector<Frame> frames;
    uint8_t buf[65536];
    for (;;) {
        const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
        if (n < 0) break;
        frames.emplace_back(buf, buf + n);
    }
    return frames;
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
