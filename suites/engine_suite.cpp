// SPDX-License-Identifier: MIT
// The container engines' macvlan drivers against real engines, Docker's and Podman's: the second
// half of the field note (a macvlan network, two containers on it, a host that cannot reach them)
// and what the engines' users run into. Every scenario is written once (a member of EngineMacvlan)
// and registered for each engine, as DockerMacvlan.<Scenario> and PodmanMacvlan.<Scenario>, so
// --filter picks an engine by name. The engine is driven through its own client (harness/engine);
// what the containers can reach is measured from inside their network namespaces with the
// harness's own ICMP engine, never with a ping in the container, and compared with the kernel
// suite's expectation data.
//
// Where things live: Docker's daemon and Podman's client (which creates the containers' interfaces
// itself, through netavark) work in the machine's own namespace (suite_context().machine_namespace),
// so the parent is a veth the test creates there, with its peer (`ext`) in a private namespace.
// Addresses come from a subnet that overlaps no route of the machine and no network of the engine,
// chosen at run time. Everything created is removed afterwards, also on failure: engine objects by
// EngineObjects, links and routes by their owners' destructors; and if the run dies, by its reaper
// (harness/engine/engine_reaper.hpp). The fixture is in engine_fixture.{hpp,cpp}.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine_fixture.hpp"
#include "engine_networks.hpp"
#include "engine_text.hpp"
#include "echo_probe.hpp"
#include "link_events.hpp"
#include "macvlan_link.hpp"
#include "suite_context.hpp"

namespace mvc {

using namespace std::chrono_literals;
using namespace engine_plan;
using engine_text::join;
using nlohmann::json;

namespace {

constexpr auto kReadyTimeout = 5s;  // links up, controls answering: normally milliseconds
constexpr uint16_t kVlanId = 10;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
bool contains_nocase(std::string text, std::string part) {
    for (auto* t : {&text, &part})
        for (auto& c : *t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return contains(text, part);
}

}  // namespace

// Every scenario, once per engine.
#define MVC_ENGINE_SCENARIO(Scenario)                \
    TEST_F(DockerMacvlan, Scenario) { Scenario(); } \
    TEST_F(PodmanMacvlan, Scenario) { Scenario(); }
MVC_ENGINE_SCENARIO(GatewayOutsideTheSubnetIsRefused)
MVC_ENGINE_SCENARIO(DefaultModeIsBridgeAndMatchesTheKernelSuite)
MVC_ENGINE_SCENARIO(VepaModeMatchesTheKernelSuite)
MVC_ENGINE_SCENARIO(PrivateModeMatchesTheKernelSuite)
MVC_ENGINE_SCENARIO(PassthruModeMatchesTheKernelSuiteAndTakesOneContainer)
MVC_ENGINE_SCENARIO(OneNetworkPerParentFollowsTheEngineVersion)
MVC_ENGINE_SCENARIO(HostShimRestoresHostToContainerReachability)
#undef MVC_ENGINE_SCENARIO


// --- gateway validation ------------------------------------------------------------------------------

// The field note's first error: a gateway outside --subnet is refused before anything is created,
// and the same command with a subnet that contains the gateway is accepted as given. Docker's
// client says "no matching subnet for gateway G" (docker/cli cli/command/network/create.go,
// consolidateIpam); Podman says "gateway G not in subnet S" (containers/common libnetwork/util/
// ip.go, ValidateSubnet). Scaled down from the note's 172.25.20.0/24 with gateway 172.25.23.254:
// <lan>.0/25 with <lan>.254, then <lan>.128/25.
void EngineMacvlan::GatewayOutsideTheSubnetIsRefused() {
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

    const EngineResult refused = create_network(network, with_subnet(outside), std::nullopt, lab->parent_name);
    RecordProperty("refusal", refused.summary());
    EXPECT_FALSE(refused.ok()) << "a gateway outside the subnet was accepted: " << refused.command();
    const std::string says = kind() == EngineKind::docker ? "no matching subnet for gateway " + gateway.str()
                                                          : "gateway " + gateway.str() + " not in subnet " + outside.str();
    EXPECT_TRUE(contains(refused.err, says)) << "expected \"" << says << "\": " << refused.summary();
    EXPECT_FALSE(engine->run({"network", "inspect", network}).ok()) << "the refused network exists anyway";

    const EngineResult accepted = create_network(network, with_subnet(corrected), std::nullopt, lab->parent_name);
    ASSERT_TRUE(accepted.ok()) << accepted.summary();
    const NetworkView view = inspect_network(*engine, network);
    EXPECT_EQ(view.driver, "macvlan");
    ASSERT_EQ(view.subnets.size(), 1u);
    EXPECT_EQ(view.subnets.at(0).subnet, corrected.str());
    EXPECT_EQ(view.subnets.at(0).gateway, gateway.str());
    EXPECT_EQ(view.parent, lab->parent_name);
}

// --- the modes ----------------------------------------------------------------------------------------

// The field note's scenario. The default mode is bridge in both engines (Docker: moby
// libnetwork/drivers/macvlan/macvlan_network.go, CreateNetwork, an empty macvlan_mode becomes
// "bridge"; Podman: netavark src/network/core_utils.rs, get_macvlan_mode_from_string, "default to
// bridge when unset"). The containers get addresses in the subnet from the engine's IPAM, reach each other (macvlan_queue_xmit switches between
// bridge-mode slaves), reach the outside (macvlan_handle_frame), and cannot reach the host nor be
// reached by it (the parent's own frames never enter macvlan code): every cell of
// reachability.bridge.plain, as the kernel suite measures it.
void EngineMacvlan::DefaultModeIsBridgeAndMatchesTheKernelSuite() {
    MVC_REQUIRE_TEST_IMAGE();
    const std::string network = name("net");
    const EngineResult created = create_lan_network(network, std::nullopt, lab->parent_name);
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
        EXPECT_TRUE(in_kernel) << dialect().display << " reports " << c->v4->str() << " for " << c->name
                               << ", but its macvlan does not carry it";
    }
    RecordProperty("containers",
                   containers.at(spec.slaves[0].name)->v4->str() + ", " + containers.at(spec.slaves[1].name)->v4->str());
    expect_kernel_mode(MacvlanMode::bridge);
    measure(spec, lab->parent, lab->peer);
}

// -o macvlan_mode=vepa (Podman: -o mode=vepa): the engine passes the mode to the kernel (moby
// libnetwork/drivers/macvlan/macvlan_setup.go, setMacVlanMode; netavark, the same function as
// above), and the matrix is the kernel suite's vepa.plain: no switching
// between slaves without a hairpin switch (macvlan_queue_xmit sends everything to the wire).
void EngineMacvlan::VepaModeMatchesTheKernelSuite() {
    MVC_REQUIRE_TEST_IMAGE();
    mode_matches_the_kernel_suite(MacvlanMode::vepa);
}

// -o macvlan_mode=private: the kernel suite's private.plain (macvlan_queue_xmit never switches
// locally; macvlan_handle_frame drops frames a private slave sent, should they come back).
void EngineMacvlan::PrivateModeMatchesTheKernelSuite() {
    MVC_REQUIRE_TEST_IMAGE();
    mode_matches_the_kernel_suite(MacvlanMode::private_);
}

// -o macvlan_mode=passthru: the kernel suite's passthru.plain with its one slave (the parent loses
// its unicast traffic to the slave, macvlan_handle_frame). A second container on the network is
// refused by the kernel, "Only 1 macvlan device can be created in passthru mode"
// (macvlan_common_newlink, EINVAL), which the engine reports when it starts the container (Docker:
// "failed to create the macvlan port: invalid argument", moby libnetwork/drivers/macvlan/
// macvlan_setup.go, createMacVlan; Podman: "netavark: create macvlan interface: Netlink error:
// Invalid argument").
void EngineMacvlan::PassthruModeMatchesTheKernelSuiteAndTakesOneContainer() {
    MVC_REQUIRE_TEST_IMAGE();
    mode_matches_the_kernel_suite(MacvlanMode::passthru);
    if (HasFatalFailure()) return;
    const EngineResult second = run_container(name("second"), name("net"));
    RecordProperty("second_container", second.summary());
    EXPECT_FALSE(second.ok()) << "a second container started on a passthru network";
    EXPECT_TRUE(contains_nocase(second.err, "invalid argument")) << "expected the kernel's EINVAL: " << second.summary();
}

// --- one network per parent ---------------------------------------------------------------------------

// Whether a parent carries more than one macvlan network is the engine's rule, not the kernel's:
// - Docker before Engine 27.0: one network per parent ("network ... is already using parent
//   interface", moby libnetwork/drivers/macvlan/macvlan_network.go, createNetwork); from 27.0
//   (moby#47318) any number, unless one of them is passthru (the kernel's one slave per passthru
//   port).
// - Podman: any number of any mode. It checks only that the parent exists and the mode is known
//   (containers/common libnetwork/netavark/config.go, createMacvlan); a passthru network beside
//   another fails only when a container of both is started, as the kernel refuses the slave.
// Networks with disjoint subnets, so only the parent rule can refuse them.
void EngineMacvlan::OneNetworkPerParentFollowsTheEngineVersion() {
    const bool docker = kind() == EngineKind::docker;
    const bool shared = !docker || engine->server_release().first >= 27;
    const bool passthru_refused = docker;
    const std::string rule =
        std::string(!docker ? "any networks per parent, passthru included (Podman)"
                            : shared ? "shared parents, passthru alone (Docker >= 27.0)"
                                     : "one network per parent (Docker < 27.0)") +
        ": engine " + engine->server_version();
    RecordProperty("one_network_per_parent_rule", rule);
    const IpPrefix low = prefix_of(v4.at(0), 25), high = prefix_of(v4.at(128), 25);
    auto create = [&](const std::string& network, const IpPrefix& subnet, MacvlanMode mode) {
        return create_network(network,
                              {"network", "create", "--driver", "macvlan", "--label", owner_label(), "--subnet",
                               subnet.str()},
                              mode, lab->parent_name);
    };
    auto expect_refused = [&](const EngineResult& r, const std::string& network, const std::string& what) {
        EXPECT_FALSE(r.ok()) << what << " was accepted (" << rule << ")";
        EXPECT_TRUE(contains(r.err, "already using parent interface")) << what << ": " << r.summary();
        EXPECT_FALSE(engine->run({"network", "inspect", network}).ok()) << "the refused " << network << " exists";
    };
    auto expect_accepted = [&](const EngineResult& r, const std::string& network, const std::string& what) {
        EXPECT_TRUE(r.ok()) << what << " (" << rule << "): " << r.summary();
        EXPECT_EQ(objects->remove_network(network), "");
    };

    const EngineResult first = create(name("a"), low, MacvlanMode::bridge);
    ASSERT_TRUE(first.ok()) << first.summary();
    const EngineResult second = create(name("b"), high, MacvlanMode::bridge);
    if (shared) expect_accepted(second, name("b"), "a second bridge network on the parent");
    else expect_refused(second, name("b"), "a second bridge network on the same parent");
    const EngineResult third = create(name("c"), high, MacvlanMode::passthru);
    if (passthru_refused) expect_refused(third, name("c"), "a passthru network on a parent that has a bridge network");
    else expect_accepted(third, name("c"), "a passthru network on a parent that has a bridge network");

    ASSERT_EQ(objects->remove_network(name("a")), "");
    const EngineResult passthru = create(name("p"), low, MacvlanMode::passthru);
    ASSERT_TRUE(passthru.ok()) << passthru.summary();
    const EngineResult fourth = create(name("d"), high, MacvlanMode::bridge);
    if (passthru_refused) expect_refused(fourth, name("d"), "a bridge network on a parent that has a passthru network");
    else expect_accepted(fourth, name("d"), "a bridge network on a parent that has a passthru network");
}

// --- the host shim ------------------------------------------------------------------------------------

// The usual workaround for the note's "the host cannot reach its containers": a bridge-mode
// macvlan of the host on the same parent, with a /32 (/128) address and a route for the containers'
// range through it. It is a bridge-mode slave like the containers, so macvlan_queue_xmit and
// macvlan_broadcast switch between them locally in both directions. Shown here, then removed.
void EngineMacvlan::HostShimRestoresHostToContainerReachability() {
    MVC_REQUIRE_TEST_IMAGE();
    const std::string network = name("net");
    const EngineResult created = create_lan_network(network, std::nullopt, lab->parent_name);
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
    MachineLink shim(nl, session().reaper(), spec.name, [&] { create_macvlan(nl, spec); });
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
    const EngineResult created = create_lan_network(network, std::nullopt, vlan_parent);
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

// parent=<if>.10 with Podman: netavark makes no sub-interface, and a parent that does not exist is
// refused before anything is created ("parent interface ... does not exist", containers/common
// libnetwork/netavark/config.go, createMacvlan). Once the sub-interface exists (made here, as a
// Podman user must), the network is accepted and behind it the slaves behave as on any parent.
TEST_F(PodmanMacvlanVlan, SubInterfaceParentMustExist) {
    const std::string vlan_parent = lab->parent_name + "." + std::to_string(kVlanId);
    const std::string network = name("net");
    const EngineResult refused = create_lan_network(network, std::nullopt, vlan_parent);
    RecordProperty("refusal", refused.summary());
    EXPECT_FALSE(refused.ok()) << "a network on the missing " << vlan_parent << " was accepted";
    EXPECT_TRUE(contains(refused.err, "parent interface " + vlan_parent + " does not exist")) << refused.summary();
    EXPECT_FALSE(lab->machine_nl->find_link(vlan_parent).has_value()) << "Podman created " << vlan_parent;
    EXPECT_FALSE(engine->run({"network", "inspect", network}).ok()) << "the refused network exists anyway";

    auto& nl = *lab->machine_nl;
    MachineLink vlan(nl, session().reaper(), vlan_parent,
                     [&] { nl.create_vlan(vlan_parent, lab->parent, kVlanId, MacAddress::local(0x62, 1)); });
    prepare(nl, vlan.ifindex());
    const EngineResult created = create_lan_network(network, std::nullopt, vlan_parent);
    ASSERT_TRUE(created.ok()) << created.summary();
    EXPECT_EQ(inspect_network(*engine, network).parent, vlan_parent);
    MVC_REQUIRE_TEST_IMAGE();
    const int ext_vlan = lab->ext_nl->create_vlan("peer." + std::to_string(kVlanId), lab->peer, kVlanId,
                                                  MacAddress::local(0x61, 1));
    prepare(*lab->ext_nl, ext_vlan);
    const TopologySpec* spec = suite_context().catalog.find("bridge", "vlan");
    if (!spec) spec = &plain(MacvlanMode::bridge);
    start_containers(network, spec->slaves);
    expect_kernel_mode(MacvlanMode::bridge);
    measure(*spec, vlan.ifindex(), ext_vlan);
    containers.clear();
    ASSERT_EQ(objects->remove_all(), std::vector<std::string>{});
}

}  // namespace mvc

