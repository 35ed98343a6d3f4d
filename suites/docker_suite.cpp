// SPDX-License-Identifier: MIT
// Docker's macvlan driver against a real engine: the second half of the field note (a macvlan
// network, two containers on it, a host that cannot reach them) and what Docker's users run into.
// The engine is driven through its own client (harness/docker); what the containers can reach is
// measured from inside their network namespaces with the harness's own ICMP engine, never with a
// ping in the container, and compared with the kernel suite's expectation data.
//
// Where things live: the engine and the parent interface are in the machine's own namespace
// (suite_context().machine_namespace), so the parent is a veth the test creates there, with its
// peer (`ext`) in a private namespace. Addresses come from a subnet that overlaps no route of the
// machine and no Docker network, chosen at run time. Everything created is removed afterwards,
// also on failure: Docker objects by DockerObjects, links and routes by their owners' destructors;
// and if the run dies, by its reaper (harness/docker/docker_reaper.hpp). The fixture is in
// docker_fixture.{hpp,cpp}.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "docker_fixture.hpp"
#include "docker_text.hpp"
#include "echo_probe.hpp"
#include "link_events.hpp"
#include "macvlan_link.hpp"
#include "suite_context.hpp"

namespace mvc {
namespace {

using namespace std::chrono_literals;
using namespace docker_plan;
using docker_text::join;
using nlohmann::json;

constexpr auto kReadyTimeout = 5s;  // links up, controls answering: normally milliseconds
constexpr uint16_t kVlanId = 10;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }


// --- gateway validation ------------------------------------------------------------------------------

// The field note's first error: a gateway outside --subnet is refused before anything is created
// (docker/cli cli/command/network/create.go, consolidateIpam: "no matching subnet for gateway"),
// and the same command with a subnet that contains the gateway is accepted as given. Scaled down
// from the note's 172.25.20.0/24 with gateway 172.25.23.254: <lan>.0/25 with <lan>.254, then
// <lan>.128/25.
TEST_F(DockerMacvlan, GatewayOutsideTheSubnetIsRefused) {
    const IpAddress gateway = v4.at(kGatewayV4);
    const IpPrefix outside = prefix_of(v4.at(0), 25), corrected = prefix_of(v4.at(128), 25);
    const std::string network = name("gw");
    const std::vector<std::string> base{"network", "create", "--driver", "macvlan", "--label", owner_label(),
                                        "--gateway", gateway.str()};
    auto with_subnet = [&](const IpPrefix& subnet) {
        auto args = base;
        args.insert(args.end(), {"--subnet", subnet.str()});
        return args;
    };

    const DockerResult refused = create_network(network, with_subnet(outside), std::nullopt, lab->parent_name);
    RecordProperty("refusal", refused.summary());
    EXPECT_FALSE(refused.ok()) << "a gateway outside the subnet was accepted: " << refused.command();
    EXPECT_TRUE(contains(refused.err, "no matching subnet for gateway " + gateway.str())) << refused.summary();
    EXPECT_FALSE(engine->run({"network", "inspect", network}).ok()) << "the refused network exists anyway";

    const DockerResult accepted = create_network(network, with_subnet(corrected), std::nullopt, lab->parent_name);
    ASSERT_TRUE(accepted.ok()) << accepted.summary();
    const json info = json::parse(engine->check({"network", "inspect", network})).at(0);
    EXPECT_EQ(info.at("Driver"), "macvlan");
    ASSERT_EQ(info.at("IPAM").at("Config").size(), 1u) << info.dump();
    EXPECT_EQ(info.at("IPAM").at("Config").at(0).value("Subnet", ""), corrected.str());
    EXPECT_EQ(info.at("IPAM").at("Config").at(0).value("Gateway", ""), gateway.str());
    EXPECT_EQ(info.at("Options").value("parent", ""), lab->parent_name);
}

// --- the modes ----------------------------------------------------------------------------------------

// The field note's scenario. Docker's default mode is bridge (moby libnetwork/drivers/macvlan/
// macvlan_network.go, CreateNetwork: an empty macvlan_mode becomes "bridge"). The containers get
// addresses in the subnet from Docker's IPAM, reach each other (macvlan_queue_xmit switches between
// bridge-mode slaves), reach the outside (macvlan_handle_frame), and cannot reach the host nor be
// reached by it (the parent's own frames never enter macvlan code): every cell of
// reachability.bridge.plain, as the kernel suite measures it.
TEST_F(DockerMacvlan, DefaultModeIsBridgeAndMatchesTheKernelSuite) {
    MVC_REQUIRE_TEST_IMAGE();
    const std::string network = name("net");
    const DockerResult created = create_lan_network(network, std::nullopt, lab->parent_name);
    ASSERT_TRUE(created.ok()) << created.summary();
    const auto& spec = plain(MacvlanMode::bridge);
    start_containers(network, spec.slaves);

    const IpPrefix range = prefix_of(v4.at(0), 25);
    for (auto& [e, c] : containers) {
        ASSERT_TRUE(c->v4.has_value()) << c->name << " got no IPv4 address";
        EXPECT_TRUE(v4.contains(*c->v4) && range.contains(*c->v4))
            << c->name << " got " << c->v4->str() << ", outside " << range.str() << " of " << v4.str();
        if (v6) {
            ASSERT_TRUE(c->v6.has_value()) << c->name << " got no IPv6 address";
            EXPECT_TRUE(v6->contains(*c->v6)) << c->name << " got " << c->v6->str() << ", outside " << v6->str();
        }
        bool in_kernel = false;
        for (const auto& a : c->nl->addresses())
            if (a.ifindex == c->ifindex && a.address.rfind(c->v4->str() + "/", 0) == 0) in_kernel = true;
        EXPECT_TRUE(in_kernel) << "Docker reports " << c->v4->str() << " for " << c->name
                               << ", but its macvlan does not carry it";
    }
    RecordProperty("containers",
                   containers.at(spec.slaves[0].name)->v4->str() + ", " + containers.at(spec.slaves[1].name)->v4->str());
    expect_kernel_mode(MacvlanMode::bridge);
    measure(spec, lab->parent, lab->peer);
}

// -o macvlan_mode=vepa: Docker passes the mode to the kernel (moby libnetwork/drivers/macvlan/
// macvlan_setup.go, setMacVlanMode), and the matrix is the kernel suite's vepa.plain: no switching
// between slaves without a hairpin switch (macvlan_queue_xmit sends everything to the wire).
TEST_F(DockerMacvlan, VepaModeMatchesTheKernelSuite) {
    MVC_REQUIRE_TEST_IMAGE();
    mode_matches_the_kernel_suite(MacvlanMode::vepa);
}

// -o macvlan_mode=private: the kernel suite's private.plain (macvlan_queue_xmit never switches
// locally; macvlan_handle_frame drops frames a private slave sent, should they come back).
TEST_F(DockerMacvlan, PrivateModeMatchesTheKernelSuite) {
    MVC_REQUIRE_TEST_IMAGE();
    mode_matches_the_kernel_suite(MacvlanMode::private_);
}

// -o macvlan_mode=passthru: the kernel suite's passthru.plain with its one slave (the parent loses
// its unicast traffic to the slave, macvlan_handle_frame). A second container on the network is
// refused by the kernel, "Only 1 macvlan device can be created in passthru mode"
// (macvlan_common_newlink, EINVAL), which Docker reports when it starts the container ("failed to
// create the macvlan port", moby libnetwork/drivers/macvlan/macvlan_setup.go, createMacVlan).
TEST_F(DockerMacvlan, PassthruModeMatchesTheKernelSuiteAndTakesOneContainer) {
    MVC_REQUIRE_TEST_IMAGE();
    mode_matches_the_kernel_suite(MacvlanMode::passthru);
    if (HasFatalFailure()) return;
    const DockerResult second = run_container(name("second"), name("net"));
    RecordProperty("second_container", second.summary());
    EXPECT_FALSE(second.ok()) << "a second container started on a passthru network";
    EXPECT_TRUE(contains(second.err, "invalid argument")) << "expected the kernel's EINVAL: " << second.summary();
}

// --- one network per parent ---------------------------------------------------------------------------

// moby libnetwork/drivers/macvlan/macvlan_network.go, createNetwork: before Docker Engine 27.0 a
// parent carries one macvlan network ("network ... is already using parent interface"); from 27.0
// (moby#47318) any number, unless one of them is passthru (the kernel's one slave per passthru port).
// Networks with disjoint subnets, so only the parent rule can refuse them.
TEST_F(DockerMacvlan, OneNetworkPerParentFollowsTheEngineVersion) {
    const bool shared = engine->server_release().first >= 27;
    const std::string rule =
        std::string(shared ? "shared parents (engine >= 27.0)" : "one network per parent (engine < 27.0)") +
        ": engine " + engine->server_version();
    RecordProperty("one_network_per_parent_rule", rule);
    const IpPrefix low = prefix_of(v4.at(0), 25), high = prefix_of(v4.at(128), 25);
    auto create = [&](const std::string& network, const IpPrefix& subnet, MacvlanMode mode) {
        return create_network(network,
                              {"network", "create", "--driver", "macvlan", "--label", owner_label(), "--subnet",
                               subnet.str()},
                              mode, lab->parent_name);
    };
    auto expect_refused = [&](const DockerResult& r, const std::string& network, const std::string& what) {
        EXPECT_FALSE(r.ok()) << what << " was accepted (" << rule << ")";
        EXPECT_TRUE(contains(r.err, "already using parent interface")) << what << ": " << r.summary();
        EXPECT_FALSE(engine->run({"network", "inspect", network}).ok()) << "the refused " << network << " exists";
    };

    const DockerResult first = create(name("a"), low, MacvlanMode::bridge);
    ASSERT_TRUE(first.ok()) << first.summary();
    const DockerResult second = create(name("b"), high, MacvlanMode::bridge);
    if (shared) {
        EXPECT_TRUE(second.ok()) << "a second bridge network on the parent (" << rule << "): " << second.summary();
        EXPECT_EQ(objects->remove_network(name("b")), "");
    } else {
        expect_refused(second, name("b"), "a second bridge network on the same parent");
    }
    expect_refused(create(name("c"), high, MacvlanMode::passthru), name("c"),
                   "a passthru network on a parent that has a bridge network");

    ASSERT_EQ(objects->remove_network(name("a")), "");
    const DockerResult passthru = create(name("p"), low, MacvlanMode::passthru);
    ASSERT_TRUE(passthru.ok()) << passthru.summary();
    expect_refused(create(name("d"), high, MacvlanMode::bridge), name("d"),
                   "a bridge network on a parent that has a passthru network");
}

// --- the host shim ------------------------------------------------------------------------------------

// The usual workaround for the note's "the host cannot reach its containers": a bridge-mode
// macvlan of the host on the same parent, with a /32 (/128) address and a route for the containers'
// range through it. It is a bridge-mode slave like the containers, so macvlan_queue_xmit and
// macvlan_broadcast switch between them locally in both directions. Shown here, then removed.
TEST_F(DockerMacvlan, HostShimRestoresHostToContainerReachability) {
    MVC_REQUIRE_TEST_IMAGE();
    const std::string network = name("net");
    const DockerResult created = create_lan_network(network, std::nullopt, lab->parent_name);
    ASSERT_TRUE(created.ok()) << created.summary();
    start_containers(network, plain(MacvlanMode::bridge).slaves);
    auto& nl = *lab->machine_nl;
    AddressSource host(nl, lab->parent, v4, v6, kHostFirst, kHostLast, 1 * kV6Block);
    AddressSource ext(*lab->ext_nl, lab->peer, v4, v6, kExtFirst, kExtLast, 2 * kV6Block);
    wait_until_ready({{lab->machine_nl.get(), lab->parent}, {lab->ext_nl.get(), lab->peer}});
    const EchoSchedule cells = suite_context().cell_schedule;
    const EchoSchedule until_answered{cells.resend_interval, kReadyTimeout};

    // Before: the field note's isolation (host and containers probed in both directions, host
    // first for the reason given in measure()), with ext->container as the positive control.
    std::vector<EchoProbe> controls, from_host, to_host;
    std::vector<std::string> labels;
    for (auto f : families())
        for (auto& [e, c] : containers) {
            controls.push_back({&lab->ext, ext.take(f), c->address(f)});
            from_host.push_back({&lab->machine, host.take(f), c->address(f)});
            to_host.push_back({&*c->ns, c->address(f), host.take(f)});
            labels.push_back(e + " (" + std::string(to_string(f)) + ")");
        }
    for (const auto& r : run_echo_probes(controls, until_answered))
        ASSERT_TRUE(r.replied) << "control: ext does not reach the containers";
    const auto before_from = run_echo_probes(from_host, cells);
    const auto before_to = run_echo_probes(to_host, cells);
    for (const auto& r : run_echo_probes(controls, until_answered))
        ASSERT_TRUE(r.replied) << "control: ext stopped reaching the containers";
    for (size_t i = 0; i < labels.size(); ++i) {
        EXPECT_FALSE(before_from[i].replied) << "without the shim, host->" << labels[i] << " is reachable";
        EXPECT_FALSE(before_to[i].replied) << "without the shim, " << labels[i] << "->host is reachable";
    }

    // The shim: `ip link add <shim> link <parent> type macvlan mode bridge`, a host address, a route.
    MacvlanSpec spec;
    spec.name = machine_link_name(kShimRole, ::getpid(), serial_);
    spec.lower_ifindex = lab->parent;
    spec.mode = MacvlanMode::bridge;
    spec.mac = MacAddress::local(0x42, static_cast<uint8_t>(serial_));
    MachineLink shim(nl, session_->reaper(), spec.name, [&] { create_macvlan(nl, spec); });
    prepare(nl, shim.ifindex());
    std::map<Family, IpAddress> shim_address{{Family::ipv4, v4.at(kShimV4)}};
    nl.add_address(shim.ifindex(), shim_address.at(Family::ipv4), 32);
    std::vector<std::unique_ptr<DeviceRoute>> routes;
    routes.push_back(std::make_unique<DeviceRoute>(nl, prefix_of(v4.at(0), 25), shim.ifindex()));
    if (v6) {
        shim_address.emplace(Family::ipv6, v6->at(3 * kV6Block + 1));
        nl.add_address(shim.ifindex(), shim_address.at(Family::ipv6), 128);
        routes.push_back(std::make_unique<DeviceRoute>(nl, prefix_of(v6->at(0), 80), shim.ifindex()));
    }
    LinkEvents events(lab->machine);
    ASSERT_TRUE(events.wait_until(
        [&] {
            const auto l = nl.link(shim.ifindex());
            return l.up() && l.carrier;
        },
        std::chrono::milliseconds(kReadyTimeout)))
        << "the shim never came up";

    std::vector<EchoProbe> through_shim;
    std::vector<std::string> shim_labels;
    for (auto f : families())
        for (auto& [e, c] : containers) {
            through_shim.push_back({&lab->machine, shim_address.at(f), c->address(f)});
            shim_labels.push_back("host->" + e + " (" + std::string(to_string(f)) + ")");
            through_shim.push_back({&*c->ns, c->address(f), shim_address.at(f)});
            shim_labels.push_back(e + "->host (" + std::string(to_string(f)) + ")");
        }
    const auto after = run_echo_probes(through_shim, until_answered);
    std::vector<std::string> reached;
    for (size_t i = 0; i < after.size(); ++i) {
        EXPECT_TRUE(after[i].replied) << "with the shim, " << shim_labels[i] << " is still blocked";
        if (after[i].replied) reached.push_back(shim_labels[i]);
    }
    RecordProperty("through_the_shim", join(reached, ", "));

    // Removed again: routes, then the link; nothing of it may remain in the machine's routes.
    const int shim_ifindex = shim.ifindex();
    for (auto& r : routes) EXPECT_EQ(r->remove(), "");
    EXPECT_EQ(shim.remove(), "");
    for (const auto& r : dump_routes(nl)) {
        EXPECT_NE(r.ifindex, shim_ifindex) << "a route through the removed shim remains: " << r.destination.str();
        for (const auto& mine : routes)
            EXPECT_FALSE(r.destination == mine->destination()) << "route " << r.destination.str() << " remains";
    }
}

// --- 802.1Q sub-interface parents ---------------------------------------------------------------------

// parent=<if>.10: Docker creates the VLAN sub-interface itself and deletes it with the network
// (moby libnetwork/drivers/macvlan/macvlan_setup.go, createVlanLink / delVlanLink). Behind it the
// slaves behave as on any parent: the kernel suite's bridge matrix for that parent.
TEST_F(DockerMacvlanVlan, SubInterfaceParentIsCreatedAndRemovedByDocker) {
    MVC_REQUIRE_TEST_IMAGE();
    const std::string vlan_parent = lab->parent_name + "." + std::to_string(kVlanId);
    const std::string network = name("net");
    const DockerResult created = create_lan_network(network, std::nullopt, vlan_parent);
    ASSERT_TRUE(created.ok()) << created.summary();
    const auto made = lab->machine_nl->find_link(vlan_parent);
    ASSERT_TRUE(made.has_value()) << "Docker did not create " << vlan_parent;
    EXPECT_EQ(made->kind, "vlan");
    EXPECT_EQ(made->lower_ifindex, lab->parent);

    // Docker makes the host's side of the VLAN itself; ext's side is ours.
    const int ext_vlan = lab->ext_nl->create_vlan("peer." + std::to_string(kVlanId), lab->peer, kVlanId,
                                                  MacAddress::local(0x61, 1));
    prepare(*lab->ext_nl, ext_vlan);
    // Docker brought its sub-interface up already; only the neighbour timing is the test's.
    prepare(*lab->machine_nl, made->ifindex, false);
    const TopologySpec* spec = suite_context().catalog.find("bridge", "vlan");
    if (!spec) spec = &plain(MacvlanMode::bridge);
    start_containers(network, spec->slaves);
    expect_kernel_mode(MacvlanMode::bridge);
    measure(*spec, made->ifindex, ext_vlan);

    containers.clear();
    ASSERT_EQ(objects->remove_all(), std::vector<std::string>{});
    EXPECT_FALSE(lab->machine_nl->find_link(vlan_parent).has_value()) << "Docker left " << vlan_parent << " behind";
}

}  // namespace
}  // namespace mvc
