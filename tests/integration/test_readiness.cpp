// SPDX-License-Identifier: MIT
// A topology is probed only once the kernel takes packets for every IPv6 address it was given.
// The kernel lists an address at once but makes it usable later, from addrconf's DAD work (its
// solicited-node group and its local route, addrconf_dad_begin -> addrconf_dad_completed); under
// Debian's PREEMPT_RT kernel with 32 topologies built at once that took up to 8 s, and every IPv6
// control of the topologies built last went unanswered. No kernel here is that slow on demand, so
// these tests take an address's local route away, as a lagging work item would have left it, and
// check that the wait sees it missing, names it, and wakes when the route arrives. Needs root.
#include <gtest/gtest.h>
#include <linux/rtnetlink.h>
#include <netlink/route/route.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "error.hpp"
#include "spec_fixtures.hpp"
#include "topology.hpp"

namespace mvc {
namespace {

using namespace std::chrono_literals;

// `ip -6 route add|del local ADDRESS dev IFINDEX table local`: the route addrconf inserts for each
// of an interface's addresses (addrconf_f6i_alloc), and without which the address takes nothing.
void change_local_route(EndpointNode& node, const IpAddress& address, bool add) {
    node.ns.run([&] {
        nl_sock* sock = nl_socket_alloc();
        ASSERT_NE(sock, nullptr);
        ASSERT_EQ(nl_connect(sock, NETLINK_ROUTE), 0);
        rtnl_route* route = rtnl_route_alloc();
        nl_addr* dst = nl_addr_build(AF_INET6, address.bytes(), 16);
        nl_addr_set_prefixlen(dst, 128);
        rtnl_route_set_family(route, AF_INET6);
        rtnl_route_set_dst(route, dst);
        rtnl_route_set_table(route, RT_TABLE_LOCAL);
        rtnl_route_set_type(route, RTN_LOCAL);
        rtnl_route_set_protocol(route, RTPROT_KERNEL);
        rtnl_route_set_scope(route, RT_SCOPE_HOST);
        rtnl_nexthop* hop = rtnl_route_nh_alloc();
        rtnl_route_nh_set_ifindex(hop, node.ifindex);
        rtnl_route_add_nexthop(route, hop);
        const int err = add ? rtnl_route_add(sock, route, NLM_F_CREATE | NLM_F_EXCL) : rtnl_route_delete(sock, route, 0);
        EXPECT_EQ(err, 0) << (add ? "adding" : "deleting") << " the local route of " << address.str() << ": " << nl_geterror(err);
        nl_addr_put(dst);
        rtnl_route_put(route);
        nl_socket_free(sock);
    });
}

class Readiness : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: the topology is built in network namespaces";
        const TopologySpec* spec = testing_support::shipped_catalog().find("bridge", "plain");
        ASSERT_NE(spec, nullptr);
        topology = Topology::build(*spec, {});
        topology->wait_until_links_ready(std::chrono::steady_clock::now() + 5s);
        topology->wait_until_addresses_usable(5000ms);
        ext = &topology->node(kExt);
        address = topology->addresses().control(kExt, Family::ipv6);
        ASSERT_TRUE(ext->ipv6_not_yet_local().empty());
    }
    std::unique_ptr<Topology> topology;
    EndpointNode* ext = nullptr;
    IpAddress address;
};

TEST_F(Readiness, AnAddressWithoutItsLocalRouteIsNotReadyAndIsNamed) {
    change_local_route(*ext, address, false);
    const auto missing = ext->ipv6_not_yet_local();
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing.front(), address);
    try {
        topology->wait_until_addresses_usable(300ms);
        ADD_FAILURE() << "the wait ended although " << address.str() << " takes no packets";
    } catch (const NotReady& e) {
        EXPECT_NE(std::string(e.what()).find(address.str()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("ext"), std::string::npos) << e.what();
    }
}

TEST_F(Readiness, TheWaitEndsWhenTheRouteArrives) {
    change_local_route(*ext, address, false);
    auto route_back = std::async(std::launch::async, [&] {
        std::this_thread::sleep_for(200ms);  // the lagging work item
        change_local_route(*ext, address, true);
    });
    const auto start = std::chrono::steady_clock::now();
    EXPECT_NO_THROW(topology->wait_until_addresses_usable(10000ms));
    route_back.get();
    // Woken by the route's notification (RTNLGRP_IPV6_ROUTE), not by the stall time running out.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_TRUE(ext->ipv6_not_yet_local().empty());
}

// An address somebody removed (the restore of a lent interface on SIGTERM does, while topologies
// still run) is not late: the wait ends at once instead of holding the topology, and the slaves
// the restore waits to see go, for a whole stall time.
TEST_F(Readiness, ARemovedAddressEndsTheWaitAtOnce) {
    change_local_route(*ext, address, false);
    ext->rtnl->delete_address(ext->ifindex, address, topology->addresses().prefix_length(Family::ipv6));
    const auto start = std::chrono::steady_clock::now();
    try {
        topology->wait_until_addresses_usable(10000ms);
        ADD_FAILURE() << "the wait ended although " << address.str() << " was removed";
    } catch (const NotReady& e) {
        EXPECT_NE(std::string(e.what()).find("removed"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(address.str()), std::string::npos) << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "the wait held on for an address that cannot come back";
}

}  // namespace
}  // namespace mvc
