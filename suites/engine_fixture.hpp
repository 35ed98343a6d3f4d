// SPDX-License-Identifier: MIT
#pragma once

// The fixture of the container-engine suite (engine_suite.cpp has the tests), once for each
// engine: DockerMacvlan and PodmanMacvlan run the same scenarios, each against its own engine.
// The engine session, a lab in the machine's namespace for every test, the test's subnets, its
// networks and containers, and the measurement of a matrix through the engine's networks against
// the kernel suite's expectation data. The pieces without GoogleTest are in harness/engine.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine_address_plan.hpp"
#include "engine_containers.hpp"
#include "engine_lab.hpp"
#include "engine_session.hpp"
#include "topology_spec.hpp"
#include "veth_lab.hpp"

namespace mvc {

// Skips the test unless the test image can be built here (a static busybox): the tests that start
// containers begin with it, the others (which only create networks) run without it. A macro for
// the reason MVC_REQUIRE is one.
#define MVC_REQUIRE_TEST_IMAGE()                                                      \
    if (const std::string mvc_no_image = test_image_missing(); !mvc_no_image.empty()) \
    GTEST_SKIP() << mvc_no_image

class EngineMacvlan : public KernelTest {
protected:
    virtual EngineKind kind() const = 0;
    // The engine's session lives from its suite's first test that reaches the engine to the
    // suite's end; each suite (DockerMacvlan, PodmanMacvlan, ...) closes its engine's.
    static void close_session(EngineKind kind);
    void set_up() override;
    void TearDown() override;

    const EngineDialect& dialect() const { return engine->dialect(); }
    std::string test_image_missing() const;
    // "mvc-<pid>-<serial>-<role>": names of the test's engine objects.
    std::string name(const std::string& role) const;
    static std::string owner_label();
    // The kernel suite's `plain` topology for `mode`.
    const TopologySpec& plain(MacvlanMode mode) const;
    std::vector<Family> families() const;

    // `network create -d macvlan` on the test's LAN: the engine allocates from the lower half,
    // the gateway is .254 (and <prefix>:ff::1), as on the field note's network.
    EngineResult create_lan_network(const std::string& network, std::optional<MacvlanMode> mode,
                                    const std::string& parent);
    EngineResult create_network(const std::string& network, std::vector<std::string> args,
                                std::optional<MacvlanMode> mode, const std::string& parent);
    EngineResult run_container(const std::string& container, const std::string& network);
    // One container per endpoint, started at once, each one's namespace opened.
    void start_containers(const std::string& network, const std::vector<SlaveSpec>& slaves);

    // Links up with carrier (watched on RTNLGRP_LINK), and no container address still tentative.
    void wait_until_ready(const std::vector<std::pair<Rtnl*, int>>& machine_and_ext_links);
    // Probes every cell of `spec` (host = the machine's namespace on `host_if`, ext = the peer's
    // side on `ext_if`, c1/c2 = the containers) and compares each with the expectation data the
    // kernel suite is held to.
    void measure(const TopologySpec& spec, int host_if, int ext_if);
    // The kernel's view of what the engine asked for: IFLA_MACVLAN_MODE of each container's macvlan.
    void expect_kernel_mode(MacvlanMode mode);
    // One mode end to end: a network in that mode, a container per slave of the kernel suite's
    // topology, the kernel's mode checked, the matrix compared.
    void mode_matches_the_kernel_suite(MacvlanMode mode);
    // prepare_interface with the suite's neighbour retransmit time.
    static void prepare(Rtnl& nl, int ifindex, bool link_local_too = true);
    EngineSession& session() const;

    // The scenarios, one per test, the same for every engine (engine_suite.cpp).
    void GatewayOutsideTheSubnetIsRefused();
    void DefaultModeIsBridgeAndMatchesTheKernelSuite();
    void VepaModeMatchesTheKernelSuite();
    void PrivateModeMatchesTheKernelSuite();
    void PassthruModeMatchesTheKernelSuiteAndTakesOneContainer();
    void OneNetworkPerParentFollowsTheEngineVersion();
    void HostShimRestoresHostToContainerReachability();

    const ContainerEngine* engine = nullptr;
    unsigned serial_ = 0;
    IpPrefix v4;
    std::optional<IpPrefix> v6;
    std::string v6_missing;
    // Declared in the order they are built; destroyed in reverse: containers' namespace handles,
    // then the engine's objects, then the parent.
    std::unique_ptr<EngineLab> lab;
    std::unique_ptr<EngineObjects> objects;
    std::map<Endpoint, std::unique_ptr<Container>> containers;

private:
    static std::map<EngineKind, std::unique_ptr<EngineSession>> sessions_;
    // A subnet that overlaps no route of the machine and no network of the engine; why none is, or "".
    std::string choose_subnets(const NetNamespace& machine);
};

class DockerMacvlan : public EngineMacvlan {
protected:
    EngineKind kind() const override { return EngineKind::docker; }
    static void TearDownTestSuite() { close_session(EngineKind::docker); }
};

class PodmanMacvlan : public EngineMacvlan {
protected:
    EngineKind kind() const override { return EngineKind::podman; }
    static void TearDownTestSuite() { close_session(EngineKind::podman); }
};

// parent=<if>.10: an 802.1Q sub-interface parent, where the kernel has 8021q.
class DockerMacvlanVlan : public DockerMacvlan {
protected:
    FeatureList needs() const override { return {&Capabilities::vlan_8021q}; }
};
class PodmanMacvlanVlan : public PodmanMacvlan {
protected:
    FeatureList needs() const override { return {&Capabilities::vlan_8021q}; }
};

}  // namespace mvc
