// SPDX-License-Identifier: MIT
// macvtap's own device, beside the VM endpoints of the reachability matrices (macvtap.*): the
// character device a guest's queue is opened through follows its interface and goes with it; its
// queues (multiqueue, and the limit of each). The virtio-net header: macvtap_offload_suite.cpp.
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "error.hpp"
#include "inet_frames.hpp"
#include "link_events.hpp"
#include "packet_socket.hpp"
#include "tap_device.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

std::string name(dev_t device) { return std::to_string(major(device)) + ":" + std::to_string(minor(device)); }

// A UDP frame from ext to the macvtap whose flow (the UDP source port) is `flow`: what the kernel's
// flow hash, and so tap_get_queue, tells frames apart by.
Frame flow_frame(const MacAddress& dst, const MacAddress& src, uint16_t flow) {
    Ipv4Flow f{dst, src};
    f.source_port = static_cast<uint16_t>(0x8000 | flow);
    return mvc::udp_frame(f, {'m', 'v', 't', 'q'}, Checksum::complete);
}

// Reads every queue until `expected` frames have arrived in all or two seconds have passed;
// returns how many IPv4 frames from `source` each queue got (ext's IPv6 stack may add strays).
std::vector<size_t> read_queues(const std::vector<UniqueFd*>& queues, const MacAddress& source, size_t expected) {
    std::vector<size_t> got(queues.size(), 0);
    std::vector<uint8_t> buffer(65536);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    size_t total = 0;
    while (total < expected && std::chrono::steady_clock::now() < deadline) {
        std::vector<pollfd> fds;
        for (auto* q : queues) fds.push_back({q->get(), POLLIN, 0});
        ::poll(fds.data(), fds.size(), 20);
        for (size_t i = 0; i < queues.size(); ++i)
            for (ssize_t n; (n = ::read(queues[i]->get(), buffer.data(), buffer.size())) > 0;)
                if (n >= 14 && std::equal(source.bytes().begin(), source.bytes().end(), buffer.begin() + 6) && buffer[12] == 0x08 &&
                    buffer[13] == 0x00)
                    ++got[i], ++total;
    }
    return got;
}

// How many frames of `flow`, from any source port, arrive in `queue` (not a stack's strays),
// reading until `expected` did or two seconds have passed.
size_t count_in_queue(int queue, Ipv4Flow flow, size_t expected) {
    flow.source_port = 0;
    std::vector<uint8_t> buffer(65536);
    size_t got = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (;;) {
        ssize_t n;
        while ((n = ::read(queue, buffer.data(), buffer.size())) > 0)
            if (parse_ipv4(Frame(buffer.begin(), buffer.begin() + n), flow)) ++got;
        if (got >= expected || std::chrono::steady_clock::now() >= deadline) return got;
        pollfd p{queue, POLLIN, 0};
        ::poll(&p, 1, 20);
    }
}

// The same for a packet socket (an interface's stack, or a capture).
size_t count_at(PacketSocket& socket, Ipv4Flow flow, size_t expected) {
    flow.source_port = 0;
    size_t got = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (;;) {
        for (const auto& r : socket.drain())
            if (r.packet_type != PACKET_OUTGOING && parse_ipv4(r.frame, flow)) ++got;
        if (got >= expected || std::chrono::steady_clock::now() >= deadline) return got;
        pollfd p{socket.fd(), POLLIN, 0};
        ::poll(&p, 1, 20);
    }
}

// Reads everything a queue holds now; returns how many frames that was.
size_t drain(int queue) {
    std::vector<uint8_t> buffer(65536);
    size_t n = 0;
    while (::read(queue, buffer.data(), buffer.size()) > 0) ++n;
    return n;
}

class MacvtapDevice : public LabTest {
protected:
    FeatureList needs() const override { return {&Capabilities::macvtap}; }

    int add_macvtap(const std::string& name) {
        MacvlanSpec spec;
        spec.kind = "macvtap";
        spec.name = name;
        spec.lower_ifindex = lab->parent;
        spec.mode = MacvlanMode::bridge;
        spec.mac = VethLab::slave_mac(1);
        create_macvlan(*lab->host_nl, spec);
        return lab->host_nl->link(name).ifindex;
    }

    // Sends `count` UDP frames of `flow` from ext, each with its own source port.
    void send_from_ext(PacketSocket& ext, Ipv4Flow flow, uint16_t count) {
        for (uint16_t i = 0; i < count; ++i, ++flow.source_port) ext.send(udp_frame(flow, {'q', 'l', 'e', 'n'}, Checksum::complete));
    }

    // What a burst did to a macvtap's counters since `before`.
    struct Overflow {
        uint64_t arrived = 0, dropped = 0, errors = 0;
    };

    // Reads the counters until at least `burst` frames arrived and every one that arrived is either
    // in the ring (`ring` of them) or dropped, or two seconds have passed: the frames cross the veth
    // through the backlog, so they are counted a moment after they were sent.
    Overflow overflow(int ifindex, const LinkInfo& before, uint64_t burst, uint64_t ring) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        for (;;) {
            const LinkInfo l = lab->host_nl->link(ifindex);
            const Overflow o{l.rx_packets - before.rx_packets, l.rx_dropped - before.rx_dropped, l.rx_errors - before.rx_errors};
            if ((o.arrived >= burst && o.dropped + ring >= o.arrived) || std::chrono::steady_clock::now() >= deadline) return o;
            ::poll(nullptr, 0, 5);
        }
    }
};

// macvtap_device_event NETDEV_REGISTER creates tap<ifindex> under the interface's own device, so it
// moves with the interface (dev_change_net_namespace re-registers it: NETDEV_UNREGISTER, then
// NETDEV_REGISTER in the new namespace), and an open queue keeps working across the move.
TEST_F(MacvtapDevice, FollowsItsInterfaceThroughANamespaceMove) {
    const int tap = add_macvtap("mvtap0");
    ASSERT_NO_THROW(macvtap_device_number(lab->host, "mvtap0"));
    const NetNamespace target = NetNamespace::create();
    Rtnl target_nl(target);
    lab->host_nl->move_to(tap, target);
    try {
        macvtap_device_number(lab->host, "mvtap0");
        ADD_FAILURE() << "the host namespace's sysfs still shows mvtap0's tap device after the move";
    } catch (const SystemError& e) {
        EXPECT_EQ(e.error(), ENOENT) << e.what();
    }
    dev_t moved = 0;
    ASSERT_NO_THROW(moved = macvtap_device_number(target, "mvtap0")) << "the tap device did not follow its interface";
    EXPECT_TRUE(char_device_listed(target, moved)) << name(moved) << " is not in the new namespace's /sys/dev/char";
    EXPECT_NO_THROW(open_macvtap_queue(target, "mvtap0")) << "the moved macvtap's queue cannot be opened";
}

// macvtap_device_event NETDEV_UNREGISTER destroys the device and frees its minor: deleting the
// interface leaves no character device behind, also while a queue is still open.
TEST_F(MacvtapDevice, DisappearsWithItsInterface) {
    const int tap = add_macvtap("mvtap0");
    const dev_t device = macvtap_device_number(lab->host, "mvtap0");
    const UniqueFd queue = open_macvtap_queue(lab->host, "mvtap0");
    ASSERT_TRUE(char_device_listed(lab->host, device)) << name(device);
    lab->host_nl->delete_link(tap);
    EXPECT_FALSE(char_device_listed(lab->host, device)) << "character device " << name(device) << " outlived its interface";
}

// Multiqueue: every open of the device adds a queue (tap_open -> tap_set_queue), and tap_get_queue
// picks one per frame by the flow hash modulo the number of queues. So frames of many flows spread
// over the queues, each arrives exactly once, and a closed queue leaves the set (tap_put_queue ->
// tap_disable_queue): what would have gone to it goes to the others, nothing is lost.
TEST_F(MacvtapDevice, MultiqueueSpreadsFlowsAndAClosedQueueLosesNothing) {
    const int tap = add_macvtap("mvtap0");
    std::vector<UniqueFd> queues;
    for (int i = 0; i < 4; ++i) queues.push_back(open_macvtap_queue(lab->host, "mvtap0"));
    lab->host_nl->disable_ipv6_link_local(tap);  // no frames of its own stack in the counts
    lab->host_nl->set_up(tap);
    lab->wait_until_wire_is_up();
    PacketSocket ext(lab->ext, lab->peer);
    constexpr uint16_t kFlows = 64;
    auto send_flows = [&](uint16_t first) {
        for (uint16_t f = first; f < first + kFlows; ++f) ext.send(flow_frame(VethLab::slave_mac(1), lab->peer_mac, f));
    };

    send_flows(0);
    const auto spread = read_queues({&queues[0], &queues[1], &queues[2], &queues[3]}, lab->peer_mac, kFlows);
    size_t total = 0, used = 0;
    for (auto n : spread) total += n, used += n > 0;
    EXPECT_EQ(total, kFlows) << "every frame arrives on exactly one queue";
    EXPECT_GE(used, 2u) << "64 flows all on one of 4 queues: the frames are not spread by flow";

    queues[0].reset();  // the guest closes one queue
    send_flows(kFlows);
    const auto after = read_queues({&queues[1], &queues[2], &queues[3]}, lab->peer_mac, kFlows);
    EXPECT_EQ(after[0] + after[1] + after[2], kFlows) << "frames were lost to the closed queue";
}

// The queue limit. tap_open sizes each queue's ring to the device's tx_queue_len (ptr_ring_init); a
// frame that finds the ring full is dropped by tap_handle_frame and counted by
// macvtap_count_rx_dropped, which counts it through macvlan_count_rx as an unsuccessful receive:
// rx_errors, which macvlan_dev_get_stats64 also reports as rx_dropped. Every frame macvlan hands
// the macvtap is counted in rx_packets first (macvlan_handle_frame, macvlan_broadcast), so with a
// ring of L frames: the ring holds L, and rx_dropped grows by rx_packets' growth less L. (A stray
// multicast of ext's IPv6 stack may be among them: it takes a place like any frame, so these counts
// are exact whether or not one came.) Nothing else is affected: a macvlan slave beside it gets every
// frame meant for it, the full queue still transmits, and once the guest reads, frames are queued
// again.
TEST_F(MacvtapDevice, AFullQueueDropsAndCountsWhatItCannotHoldAndNothingElseBreaks) {
    constexpr unsigned kRing = 16;
    constexpr uint16_t kBurst = 64;
    const int tap = add_macvtap("mvtap0");
    lab->host_nl->set_tx_queue_len(tap, kRing);  // before the open: the ring is sized then
    const int beside = lab->add_slave("mvlan0", MacvlanMode::bridge, VethLab::slave_mac(2));
    const UniqueFd queue = open_macvtap_queue(lab->host, "mvtap0");
    for (int l : {tap, beside}) {
        lab->host_nl->disable_ipv6_link_local(l);
        lab->host_nl->set_up(l);
    }
    lab->wait_until_wire_is_up();
    // Operationally up before the burst (linkwatch sets it, from a work item that waits for the
    // RTNL lock: under PREEMPT_RT it was seen still pending at the end), so the last check below
    // says the full queue took nothing down.
    ASSERT_TRUE(LinkEvents(lab->host).wait_until([&] { return lab->host_nl->link(tap).oper_up() && lab->host_nl->link(beside).oper_up(); },
                                                 std::chrono::seconds(5)))
        << "the macvtap and the macvlan beside it never became operationally up";
    PacketSocket ext(lab->ext, lab->peer);
    PacketSocket beside_stack(lab->host, beside, ETH_P_IP);  // what mvlan0's stack is handed
    const Ipv4Flow to_vm{VethLab::slave_mac(1), lab->peer_mac}, to_beside{VethLab::slave_mac(2), lab->peer_mac};
    const LinkInfo before = lab->host_nl->link(tap);

    send_from_ext(ext, to_vm, kBurst);
    send_from_ext(ext, to_beside, kBurst);
    const Overflow full = overflow(tap, before, kBurst, kRing);
    EXPECT_GE(full.arrived, kBurst) << "macvlan_handle_frame did not hand every frame to the macvtap";
    EXPECT_EQ(full.dropped, full.arrived - kRing) << full.arrived << " frames arrived, the ring holds " << kRing;
    EXPECT_EQ(full.errors, full.dropped) << "macvtap_count_rx_dropped counts a drop as an rx error too";
    EXPECT_EQ(count_at(beside_stack, to_beside, kBurst), kBurst) << "the macvlan slave beside the full queue lost frames";

    const Ipv4Flow from_vm{lab->peer_mac, VethLab::slave_mac(1)};
    const Frame out = udp_frame(from_vm, {'t', 'x'}, Checksum::complete);
    ASSERT_EQ(::write(queue.get(), out.data(), out.size()), static_cast<ssize_t>(out.size())) << "a full queue refused to transmit";
    EXPECT_EQ(count_at(ext, from_vm, 1), 1u) << "what the guest wrote while its queue was full never reached ext";

    EXPECT_EQ(drain(queue.get()), kRing) << "the ring did not hold exactly tx_queue_len frames";
    constexpr uint16_t kAfter = 8;
    send_from_ext(ext, to_vm, kAfter);
    EXPECT_EQ(count_in_queue(queue.get(), to_vm, kAfter), kAfter) << "a drained queue does not receive again";
    EXPECT_EQ(lab->host_nl->link(tap).rx_dropped, before.rx_dropped + full.dropped) << "frames were dropped after the guest read its queue";
    EXPECT_TRUE(lab->host_nl->link(tap).oper_up());
}

// macvtap_setup gives a macvtap TUN_READQ_SIZE (500) as tx_queue_len, and changing it while a queue
// is open resizes that queue's ring (macvtap_device_event NETDEV_CHANGE_TX_QUEUE_LEN ->
// tap_queue_resize): the new limit holds at once, without reopening.
TEST_F(MacvtapDevice, ChangingTxQueueLenResizesAnOpenQueue) {
    constexpr unsigned kRing = 8;
    constexpr uint16_t kBurst = 32;
    const int tap = add_macvtap("mvtap0");
    EXPECT_EQ(lab->host_nl->link(tap).tx_queue_len, 500u) << "TUN_READQ_SIZE";
    const UniqueFd queue = open_macvtap_queue(lab->host, "mvtap0");
    lab->host_nl->set_tx_queue_len(tap, kRing);
    lab->host_nl->disable_ipv6_link_local(tap);
    lab->host_nl->set_up(tap);
    lab->wait_until_wire_is_up();
    PacketSocket ext(lab->ext, lab->peer);
    const LinkInfo before = lab->host_nl->link(tap);

    send_from_ext(ext, {VethLab::slave_mac(1), lab->peer_mac}, kBurst);
    const Overflow full = overflow(tap, before, kBurst, kRing);
    EXPECT_GE(full.arrived, kBurst);
    EXPECT_EQ(full.dropped, full.arrived - kRing) << "the open queue kept its old size";
    EXPECT_EQ(drain(queue.get()), kRing);
}

}  // namespace
}  // namespace mvc
