// SPDX-License-Identifier: MIT
// macvtap's own device, beside the VM endpoints of the reachability matrices (macvtap.*): the
// character device a guest's queue is opened through follows its interface and goes with it.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "error.hpp"
#include "packet_socket.hpp"
#include "tap_device.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

std::string name(dev_t device) { return std::to_string(major(device)) + ":" + std::to_string(minor(device)); }

// An IPv4/UDP frame from `src` to `dst` whose flow (the UDP source port) is `flow`: what the
// kernel's flow hash, and so tap_get_queue, tells frames apart by. Addresses are documentation
// ones; the frame never leaves the lab's namespaces.
Frame udp_frame(const MacAddress& dst, const MacAddress& src, uint16_t flow) {
    Frame f;
    for (auto b : dst.bytes()) f.push_back(b);
    for (auto b : src.bytes()) f.push_back(b);
    const uint8_t rest[] = {0x08, 0x00,                                              // IPv4
                            0x45, 0x00, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,  // 32 bytes, DF, TTL 64, UDP
                            0x00, 0x00, 192, 0, 2, 1, 192, 0, 2, 2,                   // no checksum needed for the hash
                            static_cast<uint8_t>(0x80 | (flow >> 8)), static_cast<uint8_t>(flow), 0x13, 0x88,
                            0x00, 0x0c, 0x00, 0x00, 'm', 'v', 't', 'q'};
    f.insert(f.end(), std::begin(rest), std::end(rest));
    return f;
}

// Reads every queue until `expected` frames have arrived in all or two seconds have passed;
// returns how many each queue got.
std::vector<size_t> read_queues(const std::vector<UniqueFd*>& queues, size_t expected) {
    std::vector<size_t> got(queues.size(), 0);
    std::vector<uint8_t> buffer(65536);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    size_t total = 0;
    while (total < expected && std::chrono::steady_clock::now() < deadline) {
        std::vector<pollfd> fds;
        for (auto* q : queues) fds.push_back({q->get(), POLLIN, 0});
        ::poll(fds.data(), fds.size(), 20);
        for (size_t i = 0; i < queues.size(); ++i)
            while (::read(queues[i]->get(), buffer.data(), buffer.size()) > 0) ++got[i], ++total;
    }
    return got;
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
        for (uint16_t f = first; f < first + kFlows; ++f) ext.send(udp_frame(VethLab::slave_mac(1), lab->peer_mac, f));
    };

    send_flows(0);
    const auto spread = read_queues({&queues[0], &queues[1], &queues[2], &queues[3]}, kFlows);
    size_t total = 0, used = 0;
    for (auto n : spread) total += n, used += n > 0;
    EXPECT_EQ(total, kFlows) << "every frame arrives on exactly one queue";
    EXPECT_GE(used, 2u) << "64 flows all on one of 4 queues: the frames are not spread by flow";

    queues[0].reset();  // the guest closes one queue
    send_flows(kFlows);
    const auto after = read_queues({&queues[1], &queues[2], &queues[3]}, kFlows);
    EXPECT_EQ(after[0] + after[1] + after[2], kFlows) << "frames were lost to the closed queue";
}

}  // namespace
}  // namespace mvc
