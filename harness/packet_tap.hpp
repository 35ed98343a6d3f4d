#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "addresses.hpp"
#include "net_namespace.hpp"
#include "unique_fd.hpp"

namespace mvc {

using Frame = std::vector<uint8_t>;

// An AF_PACKET socket bound to one interface: it sees every frame the interface receives and,
// through the transmit tap (dev_queue_xmit_nit), every frame it sends. This is how the harness
// observes traffic without tcpdump.
class PacketTap {
public:
    PacketTap(const NetNamespace& ns, int ifindex);
    std::vector<Frame> drain();  // the frames queued so far; never blocks
    int fd() const { return fd_.get(); }

private:
    UniqueFd fd_;
};

// The IPv4 or IPv6 source of a frame: an ARP sender address, or the IP source address.
std::optional<IpAddress> frame_source_address(const Frame& frame);

}  // namespace mvc
