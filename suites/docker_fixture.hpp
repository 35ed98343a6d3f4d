// SPDX-License-Identifier: MIT
#pragma once

// The fixture of the Docker suite (docker_suite.cpp has the tests): the engine session, a lab in
// the machine's namespace for every test, the test's subnets, its networks and containers, and the
// measurement of a matrix through Docker's networks against the kernel suite's expectation data.
// The pieces without GoogleTest are in harness/docker.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "docker_address_plan.hpp"
#include "docker_containers.hpp"
#include "docker_lab.hpp"
#include "docker_session.hpp"
#include "topology_spec.hpp"
#include "veth_lab.hpp"

namespace mvc {

// Skips the test unless the test image can be built here (a static busybox): the tests that start
// containers begin with it, the others (which only create networks) run without it. A macro for
// the reason MVC_REQUIRE is one.
#define MVC_REQUIRE_TEST_IMAGE()                                                  \
    if (const std::string mvc_no_image = test_image_missing(); !mvc_no_image.empty()) \
    GTEST_SKIP() << mvc_no_image

class DockerMacvlan : public KernelTest {
protected:
    // The session lives from the suite's first test that reaches the engine to the suite's end.
    static void TearDownTestSuite();
    void set_up() override;
    void TearDown() override;

    std::string test_image_missing() const;
    // "mvc-<pid>-<serial>-<role>": names of the test's Docker objects.
    std::string name(const std::string& role) const;
    static std::string owner_label();
    // The kernel suite's `plain` topology for `mode`.
    const TopologySpec& plain(MacvlanMode mode) const;
    std::vector<Family> families() const;

    // `docker network create -d macvlan` on the test's LAN: Docker allocates from the lower half,
    // the gateway is .254 (and <prefix>:ff::1), as on the field note's network.
    DockerResult create_lan_network(const std::string& network, std::optional<MacvlanMode> mode,
                                    const std::string& parent);
    DockerResult create_network(const std::string& network, std::vector<std::string> args,
                                std::optional<MacvlanMode> mode, const std::string& parent);
    DockerResult run_container(const std::string& container, const std::string& network);
    // One container per endpoint, started at once, each one's namespace opened.
    void start_containers(const std::string& network, const std::vector<SlaveSpec>& slaves);

    // Links up with carrier (watched on RTNLGRP_LINK), and no container address still tentative.
    void wait_until_ready(const std::vector<std::pair<Rtnl*, int>>& machine_and_ext_links);
    // Probes every cell of `spec` (host = the machine's namespace on `host_if`, ext = the peer's
    // side on `ext_if`, c1/c2 = the containers) and compares each with the expectation data the
    // kernel suite is held to.
    void measure(const TopologySpec& spec, int host_if, int ext_if);
    // The kernel's view of what Docker asked for: IFLA_MACVLAN_MODE of each container's macvlan.
    void expect_kernel_mode(MacvlanMode mode);
    // One mode end to end: a network in that mode, a container per slave of the kernel suite's
    // topology, the kernel's mode checked, the matrix compared.
    void mode_matches_the_kernel_suite(MacvlanMode mode);
    // prepare_interface with the suite's neighbour retransmit time.
    static void prepare(Rtnl& nl, int ifindex, bool link_local_too = true);

    static std::unique_ptr<DockerSession> session_;
    const DockerEngine* engine = nullptr;
    unsigned serial_ = 0;
    IpPrefix v4;
    std::optional<IpPrefix> v6;
    std::string v6_missing;
    // Declared in the order they are built; destroyed in reverse: containers' namespace handles,
    // then Docker's objects, then the parent.
    std::unique_ptr<DockerLab> lab;
    std::unique_ptr<DockerObjects> objects;
    std::map<Endpoint, std::unique_ptr<Container>> containers;

private:
    // A subnet that overlaps no route of the machine and no Docker network; why none is, or "".
    std::string choose_subnets(const NetNamespace& machine);
};

// parent=<if>.10: an 802.1Q sub-interface parent, where the kernel has 8021q.
class DockerMacvlanVlan : public DockerMacvlan {
protected:
    FeatureList needs() const override { return {&Capabilities::vlan_8021q}; }
};

}  // namespace mvc
