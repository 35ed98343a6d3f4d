// SPDX-License-Identifier: MIT
// IFF_VNET_HDR: what a guest writes with a virtio-net header (checksum offload, GSO) reaches
// another guest's queue as that queue can take it. Two bridge-mode macvtaps on one parent: vm1
// writes with a header, as QEMU does for a virtio-net guest; vm2 reads in the way each row names.
// vm1's frame reaches vm2 unchanged (macvlan_queue_xmit hands it to the other bridge slave with
// dev_forward_skb, checksum state and GSO type intact), so what vm2 reads is what tap_handle_frame
// made of it for vm2's queue.
#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <type_traits>
#include <string>
#include <vector>

#include "error.hpp"
#include "inet_frames.hpp"
#include "tap_device.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

// How vm2's queue is opened, and what tap_handle_frame must do for it.
struct ReaderRow {
    const char* name;
    TapQueueMode mode;
    bool takes_checksum_offload;  // tap_features (or the queue's lack of a header) lets CHECKSUM_PARTIAL through
    bool takes_tso4;
    const char* why;
};

std::string row_name(const ::testing::TestParamInfo<ReaderRow>& info) { return info.param.name; }

// tap_handle_frame: features = TAP_FEATURES, plus tap->tap_features only for a queue with
// IFF_VNET_HDR. tap_features start as TUN_OFFLOADS (macvtap_newlink) and TUNSETOFFLOAD replaces
// them (set_offload: TUN_F_CSUM gives NETIF_F_HW_CSUM, TUN_F_TSO4 with it NETIF_F_TSO).
const ReaderRow kReaders[] = {
    {"PlainQueue", {false, std::nullopt}, false, false,
     "a queue without IFF_VNET_HDR gets TAP_FEATURES only: no checksum offload, no TSO"},
    {"VnetHeaderDefaultOffloads", {true, std::nullopt}, true, true,
     "a queue with IFF_VNET_HDR and no TUNSETOFFLOAD gets macvtap_newlink's TUN_OFFLOADS"},
    {"VnetHeaderNoOffloads", {true, 0u}, false, false, "TUNSETOFFLOAD 0: set_offload clears tap_features"},
    {"VnetHeaderChecksumOnly", {true, unsigned{TUN_F_CSUM}}, true, false,
     "TUNSETOFFLOAD TUN_F_CSUM: NETIF_F_HW_CSUM, no TSO"},
    {"VnetHeaderChecksumAndTso4", {true, unsigned{TUN_F_CSUM | TUN_F_TSO4}}, true, true,
     "TUNSETOFFLOAD TUN_F_CSUM | TUN_F_TSO4: NETIF_F_HW_CSUM and NETIF_F_TSO"},
};

// Reads `fd` until a frame `wanted` picks has arrived or two seconds have passed, then everything
// else the queue holds (tap_handle_frame queues all segments of one frame before it wakes the
// reader); returns the frames `wanted` picks, each as `wanted` made it.
template <typename Pick>
auto read_queue(int fd, Pick wanted) {
    std::vector<typename std::invoke_result_t<Pick, std::vector<uint8_t>>::value_type> picked;
    std::vector<uint8_t> buffer(65536 + sizeof(VirtioNetHeader));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (;;) {
        ssize_t n;
        while ((n = ::read(fd, buffer.data(), buffer.size())) > 0)
            if (auto p = wanted(std::vector<uint8_t>(buffer.begin(), buffer.begin() + n))) picked.push_back(*p);
        if (!picked.empty() || std::chrono::steady_clock::now() >= deadline) return picked;
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 20);
    }
}

class MacvtapOffload : public LabTest, public ::testing::WithParamInterface<ReaderRow> {
protected:
    FeatureList needs() const override { return {&Capabilities::macvtap}; }

    void prepare() override {
        const int vm1 = add_macvtap("vm1", 1), vm2 = add_macvtap("vm2", 2);
        writer_ = open_macvtap_queue(lab->host, "vm1", {true, std::nullopt});
        reader_ = open_macvtap_queue(lab->host, "vm2", GetParam().mode);
        // What each queue speaks, as the kernel keeps it: a frame written with a header into a
        // queue without one is a frame to the header's first bytes, a multicast MAC, which can
        // reach vm2 verbatim and pass for an offload passed on.
        ASSERT_TRUE(tap_queue_flags(writer_.get()) & IFF_VNET_HDR) << "vm1's queue does not speak virtio-net headers";
        ASSERT_EQ(bool(tap_queue_flags(reader_.get()) & IFF_VNET_HDR), GetParam().mode.vnet_header) << "vm2's queue is not opened as the row says";
        for (int l : {vm1, vm2}) {
            lab->host_nl->disable_ipv6_link_local(l);  // fewer frames of their own stacks in the queues
            lab->host_nl->set_up(l);
        }
        lab->wait_until_wire_is_up();
        flow_.source_mac = VethLab::slave_mac(1);
        flow_.destination_mac = VethLab::slave_mac(2);
    }

    int add_macvtap(const std::string& name, uint8_t n) {
        MacvlanSpec spec;
        spec.kind = "macvtap";
        spec.name = name;
        spec.lower_ifindex = lab->parent;
        spec.mode = MacvlanMode::bridge;
        spec.mac = VethLab::slave_mac(n);
        create_macvlan(*lab->host_nl, spec);
        return lab->host_nl->link(name).ifindex;
    }

    void write_from_vm1(const VirtioNetHeader& header, const Frame& frame) {
        const auto bytes = with_vnet_header(header, frame);
        if (::write(writer_.get(), bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()))
            throw_errno("write a frame with a virtio-net header into vm1's queue");
    }

    // What vm2 read of vm1's flow, each with the header it came with (a zero one on a plain queue).
    std::vector<VnetFrame> read_at_vm2() {
        return read_queue(reader_.get(), [this](const std::vector<uint8_t>& bytes) {
            std::optional<VnetFrame> v = GetParam().mode.vnet_header ? split_vnet_header(bytes) : VnetFrame{{}, bytes};
            return v && parse_ipv4(v->frame, flow_) ? v : std::nullopt;
        });
    }

    Ipv4Flow flow_;
    UniqueFd writer_, reader_;
};

// A checksum left to the device (kVnetNeedsCsum: VirtioNetHeader_to_skb makes the skb
// CHECKSUM_PARTIAL) reaches a queue that cannot take the offload complete (tap_handle_frame calls
// skb_checksum_help), and one that can as the same offload (tap_put_user -> VirtioNetHeader_from_skb:
// NEEDS_CSUM, csum_start and csum_offset as written, the field still the pseudo-header sum), which
// the guest completes. Either way the guest ends with a correct checksum.
TEST_P(MacvtapOffload, AChecksumLeftToTheDeviceArrivesCorrect) {
    const std::vector<uint8_t> payload(64, 'c');
    VirtioNetHeader header{};
    header.flags = kVnetNeedsCsum;
    header.csum_start = kTransportStart;
    header.csum_offset = kUdpChecksumOffset;
    const Frame written = udp_frame(flow_, payload, Checksum::partial);
    write_from_vm1(header, written);

    const auto received = read_at_vm2();
    ASSERT_EQ(received.size(), 1u) << "vm1's datagram did not reach vm2's queue once";
    const auto& got = received.front();
    const auto as_read = parse_ipv4(got.frame, flow_);
    const uint16_t partial = pseudo_header_sum(flow_, IPPROTO_UDP, static_cast<uint16_t>(kUdpHeaderSize + payload.size()));
    if (GetParam().takes_checksum_offload) {
        EXPECT_TRUE(got.header.flags & kVnetNeedsCsum) << "the offload was not passed on: " << GetParam().why;
        EXPECT_EQ(got.header.csum_start, kTransportStart);
        EXPECT_EQ(got.header.csum_offset, kUdpChecksumOffset);
        EXPECT_EQ(as_read->transport_checksum, partial) << "the kernel completed a checksum the guest said it would do";
    } else {
        EXPECT_FALSE(got.header.flags & kVnetNeedsCsum) << GetParam().why;
        EXPECT_TRUE(as_read->transport_checksum_valid)
            << "the UDP checksum arrived as " << std::hex << as_read->transport_checksum << " (partial " << partial
            << "): not completed for a queue that cannot take the offload (" << GetParam().why << ")";
    }
    const auto completed = parse_ipv4(complete_checksum(got), flow_);
    EXPECT_TRUE(completed->transport_checksum_valid) << "the guest cannot end with a correct checksum";
    EXPECT_TRUE(completed->ip_checksum_valid);
    EXPECT_EQ(completed->payload, payload);
}

// A GSO frame (gso_type TCPV4, gso_size 1000, 3000 bytes of payload) reaches a queue that can take
// TSO whole, with its GSO header (VirtioNetHeader_from_skb), and any other queue as the segments a
// TSO NIC would have sent (tap_handle_frame: netif_needs_gso, then __skb_gso_segment): 1000 bytes
// each, consecutive sequence numbers, PSH on the last only (tcp_gso_segment), every IP and TCP
// checksum correct once the guest completed what its header leaves to it.
TEST_P(MacvtapOffload, AGsoFrameIsSegmentedForAGuestThatCannotTakeIt) {
    constexpr uint16_t kMss = 1000;
    constexpr uint32_t kFirstSequence = 1000;
    std::vector<uint8_t> payload(3 * kMss);
    for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 7);
    VirtioNetHeader header{};
    header.flags = kVnetNeedsCsum;
    header.gso_type = kVnetGsoTcpv4;
    header.gso_size = kMss;
    header.hdr_len = kTransportStart + kTcpHeaderSize;
    header.csum_start = kTransportStart;
    header.csum_offset = kTcpChecksumOffset;
    write_from_vm1(header, tcp_frame(flow_, kFirstSequence, kTcpAck | kTcpPsh, payload, Checksum::partial));

    const auto received = read_at_vm2();
    const size_t expected = GetParam().takes_tso4 ? 1 : 3;
    ASSERT_EQ(received.size(), expected) << GetParam().why;
    std::vector<uint8_t> joined;
    uint32_t next = kFirstSequence;
    for (size_t i = 0; i < received.size(); ++i) {
        const auto& r = received[i];
        const auto segment = parse_ipv4(complete_checksum(r), flow_);
        const std::string which = "segment " + std::to_string(i + 1) + " of " + std::to_string(received.size());
        EXPECT_EQ(r.header.gso_type, GetParam().takes_tso4 ? kVnetGsoTcpv4 : kVnetGsoNone) << which;
        if (GetParam().takes_tso4) EXPECT_EQ(r.header.gso_size, kMss);
        else EXPECT_LE(r.frame.size(), kEthernetHeaderSize + kIpv4HeaderSize + kTcpHeaderSize + kMss) << which;
        EXPECT_TRUE(segment->ip_checksum_valid) << which;
        EXPECT_TRUE(segment->transport_checksum_valid) << which << ": TCP checksum " << std::hex << segment->transport_checksum;
        EXPECT_EQ(segment->sequence, next) << which;
        EXPECT_EQ(bool(segment->tcp_flags & kTcpPsh), i + 1 == received.size()) << which << ": PSH belongs on the last segment only";
        next += static_cast<uint32_t>(segment->payload.size());
        joined.insert(joined.end(), segment->payload.begin(), segment->payload.end());
    }
    EXPECT_EQ(joined, payload) << "the segments do not carry the written payload, in order";
}

INSTANTIATE_TEST_SUITE_P(Reader, MacvtapOffload, ::testing::ValuesIn(kReaders), row_name);

}  // namespace
}  // namespace mvc
