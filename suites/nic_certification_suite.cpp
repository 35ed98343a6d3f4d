// NIC certification: what a driver must do for macvlan without the user's help. Runs on the parent
// the user lent (--parent/--peer) when there is one, otherwise on a veth pair of its own.
#include <gtest/gtest.h>
#include <net/if.h>
#include <poll.h>

#include <chrono>
#include <memory>

#include "packet_socket.hpp"
#include "suite_context.hpp"
#include "topology.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

using namespace std::chrono_literals;

// The wire under test: the lent one, or a VethLab standing in for it.
struct WireUnderTest {
    std::unique_ptr<VethLab> lab;
    const NetNamespace* host = nullptr;
    const NetNamespace* ext = nullptr;
    int parent = 0;
    int peer = 0;
    MacAddress peer_mac;
    std::string kind;
};

WireUnderTest wire_under_test() {
    WireUnderTest w;
    if (const LentWire* lent = suite_context().lent_wire) {
        w.host = lent->host;
        w.ext = lent->ext;
        w.parent = lent->parent;
        w.peer = lent->peer;
        w.peer_mac = Rtnl(*lent->ext).link(lent->peer).mac;
        w.kind = "lent interface " + suite_context().lent_parent;
        return w;
    }
    w.lab = std::make_unique<VethLab>();
    w.host = &w.lab->host;
    w.ext = &w.lab->ext;
    w.parent = w.lab->parent;
    w.peer = w.lab->peer;
    w.peer_mac = w.lab->peer_mac;
    w.kind = "veth";
    return w;
}

class NicCertification : public KernelTest, public ::testing::WithParamInterface<int> {};

// Every slave's MAC goes on the parent's unicast list (macvlan_open -> dev_uc_add). A driver with a
// unicast filter programs it; once the list outgrows the filter (64 and more covers common NICs)
// the driver must fall back to promiscuous mode by itself (net/core/dev.c __dev_set_rx_mode). In
// both cases a frame for each slave's MAC must arrive without the user ever setting PROMISC.
TEST_P(NicCertification, FramesForEverySlaveArriveWithoutUserPromisc) {
    const int slaves = GetParam();
    auto wire = wire_under_test();
    Rtnl host_nl(*wire.host);
    const uint32_t counter_before = host_nl.link(wire.parent).promiscuity;
    ASSERT_EQ(host_nl.link(wire.parent).flags & IFF_PROMISC, 0u) << "the parent is already promiscuous by request";

    const NetNamespace containers = NetNamespace::create();
    Rtnl containers_nl(containers);
    // On a lent parent the next test must not meet these MACs while the kernel is still dismantling
    // this namespace (EADDRINUSE in macvlan_open): the slaves are deleted explicitly.
    struct DeleteSlaves {
        Rtnl& rtnl;
        ~DeleteSlaves() {
            for (const auto& l : rtnl.links())
                if (l.kind == "macvlan") try {
                        rtnl.delete_link(l.ifindex);
                    } catch (const std::exception&) {
                    }
        }
    } delete_slaves{containers_nl};
    std::vector<std::unique_ptr<PacketSocket>> receivers;
    std::vector<MacAddress> macs;
    for (int i = 0; i < slaves; ++i) {
        MacvlanSpec spec;
        spec.name = "mv" + std::to_string(i);
        spec.lower_ifindex = wire.parent;
        spec.mode = MacvlanMode::bridge;
        spec.mac = MacAddress::local(0x40 + static_cast<uint8_t>(i / 256), static_cast<uint8_t>(i % 256));
        spec.target = &containers;
        create_macvlan(host_nl, spec);
        const int ifindex = containers_nl.link(spec.name).ifindex;
        containers_nl.set_up(ifindex);
        receivers.push_back(std::make_unique<PacketSocket>(containers, ifindex, kTestEthertype));
        macs.push_back(*spec.mac);
    }
    const LinkInfo parent = host_nl.link(wire.parent);
    RecordProperty("parent", wire.kind);
    RecordProperty("promiscuity_with_" + std::to_string(slaves) + "_slaves",
                   std::to_string(counter_before) + " -> " + std::to_string(parent.promiscuity));
    EXPECT_EQ(parent.flags & IFF_PROMISC, 0u) << "the user's PROMISC flag must not be set by macvlan";

    // One frame per slave from the peer; each must arrive at its own slave only. Positive verdicts:
    // wait until everything arrived, bounded, resending what is missing (the wire may still be waking).
    PacketSocket sender(*wire.ext, wire.peer);
    std::vector<bool> arrived(static_cast<size_t>(slaves), false);
    int missing = slaves;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (missing > 0 && std::chrono::steady_clock::now() < deadline) {
        for (int i = 0; i < slaves; ++i)
            if (!arrived[static_cast<size_t>(i)])
                sender.send(ethernet_frame(macs[static_cast<size_t>(i)], wire.peer_mac, kTestEthertype,
                                           {'n', 'i', 'c', static_cast<uint8_t>(i)}));
        const auto until = std::chrono::steady_clock::now() + 100ms;
        while (missing > 0 && std::chrono::steady_clock::now() < until) {
            std::vector<pollfd> fds;
            for (auto& r : receivers) fds.push_back({r->fd(), POLLIN, 0});
            ::poll(fds.data(), fds.size(), 20);
            for (int i = 0; i < slaves; ++i)
                for (const auto& f : receivers[static_cast<size_t>(i)]->drain()) {
                    if (f.frame.size() < 18 || f.frame[14] != 'n' || f.frame[15] != 'i' || f.frame[16] != 'c') continue;
                    EXPECT_EQ(f.frame[17], i) << "slave " << i << " received the frame meant for slave " << int(f.frame[17]);
                    if (!arrived[static_cast<size_t>(i)]) {
                        arrived[static_cast<size_t>(i)] = true;
                        --missing;
                    }
                }
        }
    }
    std::string lost;
    for (int i = 0; i < slaves; ++i)
        if (!arrived[static_cast<size_t>(i)]) lost += (lost.empty() ? "" : ", ") + macs[static_cast<size_t>(i)].str();
    EXPECT_EQ(missing, 0) << "frames for these slaves never arrived (the driver filtered them): " << lost;
}

INSTANTIATE_TEST_SUITE_P(Slaves, NicCertification, ::testing::Values(8, 80),
                         [](const auto& info) { return std::to_string(info.param) + "_slaves"; });

}  // namespace
}  // namespace mvc
