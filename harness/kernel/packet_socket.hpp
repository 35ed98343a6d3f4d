// SPDX-License-Identifier: MIT
#pragma once

#include <linux/if_ether.h>

#include <time.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "addresses.hpp"
#include "net_namespace.hpp"
#include "unique_fd.hpp"

namespace mvc {

using Frame = std::vector<uint8_t>;

// An ethertype for the harness's own frames (IEEE 802 local experimental), so they never mean
// anything to a protocol stack.
inline constexpr uint16_t kTestEthertype = ETH_P_802_EX1;  // 0x88b5

Frame ethernet_frame(const MacAddress& destination, const MacAddress& source, uint16_t ethertype,
                     const std::vector<uint8_t>& payload);

struct ReceivedFrame {
    Frame frame;
    uint8_t packet_type = 0;  // PACKET_HOST, PACKET_BROADCAST, PACKET_OUTGOING, ...
    timespec stamp{};         // when the kernel saw it (SO_TIMESTAMPNS)
};

// An AF_PACKET socket bound to one interface, opened inside the interface's namespace.
//
// Bound to ETH_P_ALL it is a tap: it sees every frame the device receives before any rx handler
// (so also frames macvlan then consumes) and, via dev_queue_xmit_nit, every frame it sends. Bound to
// one ethertype it only sees frames the device's own stack is handed, after macvlan_handle_frame
// has decided (net/core/dev.c __netif_receive_skb_core), which is how "who receives" is observed.
class PacketSocket {
public:
    PacketSocket(const NetNamespace& ns, int ifindex, uint16_t protocol = ETH_P_ALL);

    // Room for `bytes` of queued frames, for captures that are drained only at the end.
    void reserve_buffer(int bytes);

    std::vector<ReceivedFrame> drain();  // what is queued now; never blocks
    void send(const Frame& frame);       // straight to the device's transmit path
    // PACKET_ADD_MEMBERSHIP PACKET_MR_MULTICAST: dev_mc_add on the device, as a group join would.
    void join_multicast(const MacAddress& group);
    int fd() const { return fd_.get(); }

private:
    UniqueFd fd_;
    int ifindex_;
};

// The IPv4 or IPv6 source of a frame: an ARP sender address, or the IP source address.
std::optional<IpAddress> frame_source_address(const Frame& frame);
// The IPv4 or IPv6 destination: an ARP target address, or the IP destination address.
std::optional<IpAddress> frame_destination_address(const Frame& frame);

}  // namespace mvc
