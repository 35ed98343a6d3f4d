#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>

#include "capabilities.hpp"
#include "macvlan_link.hpp"
#include "net_namespace.hpp"
#include "rtnl.hpp"

namespace mvc {

// Base of the kernel-facing suites: skips, with the capability report's reason, when the process
// or the kernel lacks what every such test needs (namespaces, veth, macvlan) or what the test adds.
class KernelTest : public ::testing::Test {
protected:
    void SetUp() override;
    // Under --keep-on-failure, pins the namespaces of the test's labs when it failed.
    void TearDown() override;
    // GTEST_SKIP()s unless every feature is present. Call from SetUp or the test body, then return.
    void require(std::initializer_list<const Feature Capabilities::*> features);
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
