// SPDX-License-Identifier: MIT
// NIC certification: what a driver must do for macvlan without the user's help. Runs on the parent
// the user lent (--parent/--peer) when there is one, otherwise on a veth pair of its own.
#include <gtest/gtest.h>
#include <net/if.h>
#include <poll.h>

#include <chrono>
#include <memory>

#include "machine_routes.hpp"
#include "packet_socket.hpp"
#include "probe_defaults.hpp"
#include "suite_context.hpp"
#include "topology.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

using namespace std::chrono_literals;

// The wire under test: the lent one when there is one, else a fresh veth pair, as a plain peer.
Wire wire_under_test() {
    Wire wire = suite_context().wire_source().attach(VariantSpec{"plain", ParentKind::veth, ExternalKind::plain, false, ""});
    const EndpointTuning links_only{{}, 0, false};  // no addresses, nothing tuned: only the links go up
    wire.host->configure({}, links_only);
    if (auto* ext = wire.ext->local()) ext->configure({}, links_only);
    return wire;
}

// On a wire whose other end is another machine, nothing local can put a frame on the wire: ext
// pings each slave's IPv6 address instead. The neighbour solicitation is multicast; the echo
// request that follows is unicast to the slave's MAC, which is what the filter must pass.
IpAddress slave_address(const AddressPlan::Ranges& plan, int slave) {
    return plan.v6.at(0x4e00u + static_cast<unsigned>(slave));
}

void expect_pinged_frames_arrive(ExternalPeer& ext, const AddressPlan::Ranges& plan, const std::vector<MacAddress>& macs,
                                 std::vector<std::unique_ptr<PacketSocket>>& receivers) {
    const IpAddress sender = plan.v6.at(0x4dffu);
    ext.configure({{sender, plan.v6.length}}, EndpointTuning{{Family::ipv6}, 0, false});  // removed again with the wire
    std::vector<ExternalProbe> pings;
    for (size_t i = 0; i < macs.size(); ++i) pings.push_back({sender, slave_address(plan, static_cast<int>(i))});
    const auto results = ext.echo(pings, {defaults::kResendInterval, 3s});
    std::string lost;
    for (size_t i = 0; i < macs.size(); ++i) {
        EXPECT_TRUE(results[i].failure.empty()) << results[i].failure;
        const auto address = slave_address(plan, static_cast<int>(i));
        bool arrived = false;
        for (const auto& f : receivers[i]->drain()) {
            if (f.frame.size() < 14) continue;
            const auto to = [&](const MacAddress& mac) { return std::equal(mac.bytes().begin(), mac.bytes().end(), f.frame.begin()); };
            arrived = arrived || (to(macs[i]) && frame_destination_address(f.frame) == address);
            for (size_t j = 0; j < macs.size(); ++j)
                EXPECT_TRUE(j == i || !to(macs[j])) << "slave " << i << " received a frame meant for slave " << j;
        }
        if (!arrived)
            lost += (lost.empty() ? "" : ", ") + macs[i].str() + (results[i].replied ? " (the ping was answered)" : " (no reply either)");
    }
    EXPECT_TRUE(lost.empty()) << "unicast frames from ext for these slaves never arrived (the driver filtered them): " << lost;
}

class NicCertification : public KernelTest, public ::testing::WithParamInterface<int> {};

// Every slave's MAC goes on the parent's unicast list (macvlan_open -> dev_uc_add). A driver with a
// unicast filter programs it; once the list outgrows the filter (64 and more covers common NICs)
// the driver must fall back to promiscuous mode by itself (net/core/dev.c __dev_set_rx_mode). In
// both cases a frame for each slave's MAC must arrive without the user ever setting PROMISC.
TEST_P(NicCertification, FramesForEverySlaveArriveWithoutUserPromisc) {
    const int slaves = GetParam();
    const WireSource& wires = suite_context().wire_source();
    Wire wire = wire_under_test();
    EndpointNode* local_ext = wire.ext->local();
    const bool remote = local_ext == nullptr;
    if (remote && !suite_context().capabilities.ipv6.present)
        GTEST_SKIP() << "the remote peer's frames are IPv6 echo requests, and this kernel has no IPv6";
    const std::string kind = wires.parent_description(VariantSpec{"plain", ParentKind::veth, ExternalKind::plain, false, ""}) +
                             (remote ? ", " + wire.ext->description() : "");
    Rtnl& host_nl = *wire.host->rtnl;
    // The plain catalog topology of this mode sizes the ranges; the slaves' addresses are the test's own.
    TopologySpec sizing;
    sizing.name = "nic_certification";
    sizing.slaves.push_back(SlaveSpec{"c1", MacvlanMode::bridge, false, SlaveKind::macvlan, {}});
    const AddressPlan::Ranges ranges = wires.address_ranges(sizing);
    const int parent_ifindex = wire.host->ifindex;
    const uint32_t counter_before = host_nl.link(parent_ifindex).promiscuity;
    ASSERT_EQ(host_nl.link(parent_ifindex).flags & IFF_PROMISC, 0u) << "the parent is already promiscuous by request";

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
        spec.lower_ifindex = parent_ifindex;
        spec.mode = MacvlanMode::bridge;
        spec.mac = MacAddress::local(0x40 + static_cast<uint8_t>(i / 256), static_cast<uint8_t>(i % 256));
        spec.target = &containers;
        create_macvlan(host_nl, spec);
        const int ifindex = containers_nl.link(spec.name).ifindex;
        if (remote) {
            // Bridge-mode slaves hear each other's multicast; without link-local addresses there is
            // far less of it (no DAD, no router solicitations) to crowd the receivers.
            containers_nl.disable_ipv6_link_local(ifindex);
            containers_nl.add_address(ifindex, slave_address(ranges, i), ranges.v6.length);
        }
        containers_nl.set_up(ifindex);
        receivers.push_back(std::make_unique<PacketSocket>(containers, ifindex, remote ? uint16_t{ETH_P_IPV6} : kTestEthertype));
        // Every solicitation and report of the other slaves lands here too: room for all of them,
        // so the frame that matters is never the one the socket dropped.
        if (remote) receivers.back()->reserve_buffer(1 << 20);
        macs.push_back(*spec.mac);
    }
    const LinkInfo parent = host_nl.link(parent_ifindex);
    RecordProperty("parent", kind);
    RecordProperty("promiscuity_with_" + std::to_string(slaves) + "_slaves",
                   std::to_string(counter_before) + " -> " + std::to_string(parent.promiscuity));
    EXPECT_EQ(parent.flags & IFF_PROMISC, 0u) << "the user's PROMISC flag must not be set by macvlan";
    if (remote) {
        expect_pinged_frames_arrive(*wire.ext, ranges, macs, receivers);
        return;
    }

    // One frame per slave from the peer; each must arrive at its own slave only. Positive verdicts:
    // wait until everything arrived, bounded, resending what is missing (the wire may still be waking).
    PacketSocket sender(local_ext->ns, local_ext->ifindex);
    std::vector<bool> arrived(static_cast<size_t>(slaves), false);
    int missing = slaves;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (missing > 0 && std::chrono::steady_clock::now() < deadline) {
        for (int i = 0; i < slaves; ++i)
            if (!arrived[static_cast<size_t>(i)])
                sender.send(ethernet_frame(macs[static_cast<size_t>(i)], local_ext->mac, kTestEthertype,
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
