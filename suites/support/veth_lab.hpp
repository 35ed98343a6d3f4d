// SPDX-License-Identifier: MIT
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "capabilities.hpp"
#include "macvlan_link.hpp"
#include "net_namespace.hpp"
#include "rtnl.hpp"

namespace mvc {

using FeatureList = std::vector<const Feature Capabilities::*>;

// Why the run cannot have these features (the capability report's reason), or "" when it has them.
std::string missing_features(const FeatureList& features);

// Skips the running test unless the run has every feature named. It must be a macro: GTEST_SKIP
// returns from the function it stands in, and that has to be the test body.
#define MVC_REQUIRE(...)                                                                          \
    if (const std::string mvc_missing = ::mvc::missing_features({__VA_ARGS__}); !mvc_missing.empty()) \
    GTEST_SKIP() << mvc_missing

// Base of the kernel-facing suites. SetUp skips, with the capability report's reason, unless the
// process and the kernel have what every such test needs (namespaces, veth, macvlan) and what the
// suite's needs() adds; only then is set_up() called. A suite's fixture keeps only its own helpers.
class KernelTest : public ::testing::Test {
protected:
    void SetUp() final;
    // Under --keep-on-failure, pins the namespaces of the test's labs when it failed.
    void TearDown() override;
    // What the suite needs beyond namespaces, veth and macvlan.
    virtual FeatureList needs() const { return {}; }
    // Everything the suite's tests share, built once the requirements are known to be met. It may
    // still skip (GTEST_SKIP) for a reason of its own.
    virtual void set_up() {}
};

class VethLab;

// A KernelTest with a fresh VethLab for every test, built before prepare() runs.
class LabTest : public KernelTest {
protected:
    // What the suite adds to every test once the lab exists.
    virtual void prepare() {}
    std::unique_ptr<VethLab> lab;

private:
    void set_up() final;
};

// The smallest world most macvlan tests need: a veth pair in fresh anonymous namespaces, the
// parent in `host` and its peer in `ext`, both up. Slaves are added in `host` unless a target
// namespace is given. Everything disappears with the object.
class VethLab {
public:
    VethLab();
    ~VethLab();
    VethLab(const VethLab&) = delete;
    VethLab& operator=(const VethLab&) = delete;

    NetNamespace host;
    NetNamespace ext;
    std::unique_ptr<Rtnl> host_nl;
    std::unique_ptr<Rtnl> ext_nl;
    int parent = 0;
    int peer = 0;
    MacAddress parent_mac;
    MacAddress peer_mac;

    LinkInfo parent_link() { return host_nl->link(parent); }
    // Waits (on link notifications, not sleeps) until parent and peer have carrier and are
    // operationally up; throws NotReady after `timeout`.
    void wait_until_wire_is_up(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Creates a slave of `parent` in `host` and returns its ifindex.
    int add_slave(const std::string& name, MacvlanMode mode, std::optional<MacAddress> mac = std::nullopt,
                  uint16_t flags = 0);
    // Where the harness puts slave n's MAC: distinct, locally administered.
    static MacAddress slave_mac(uint8_t n) { return MacAddress::local(0x10, n); }
};

}  // namespace mvc
