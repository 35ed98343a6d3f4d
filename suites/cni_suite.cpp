// SPDX-License-Identifier: MIT
// The CNI macvlan plugin (Debian's containernetworking-plugins: /usr/lib/cni/macvlan, host-local
// IPAM), the way Kubernetes clusters get macvlan: driven through the CNI protocol as a runtime
// drives it (harness/cni), for two pods on one master in each mode the plugin accepts. Its own
// tests check the configuration only; here the result document is checked against the link the
// plugin made, CHECK is run (and shown to fail when the pod no longer matches), the pods' matrix
// with the master's namespace and ext is measured with the harness's ICMP engine against the
// kernel suite's expectation data, and DEL must leave nothing: no link, lease or cache entry. The
// errors users meet (a missing master, an MTU above the master's, a bad mode) are recorded with
// what the plugin says. The fixture is in cni_fixture.{hpp,cpp}.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "cni_fixture.hpp"
#include "suite_context.hpp"

namespace mvc {
namespace {

bool contains_nocase(std::string text, std::string part) {
    for (auto* t : {&text, &part})
        for (auto& c : *t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text.find(part) != std::string::npos;
}

// --- the modes ----------------------------------------------------------------------------------------

// No mode in the configuration: the plugin's default is bridge (containernetworking/plugins
// plugins/main/macvlan/macvlan.go, loadConf: an empty mode becomes "bridge"), and the pods behave
// as the kernel suite's bridge.plain says: they reach each other and ext, not the master's
// namespace (macvlan_queue_xmit, macvlan_handle_frame).
TEST_F(CniMacvlan, DefaultModeIsBridgeAddCheckMatrixDel) { full_cycle(std::nullopt); }

// "mode": "vepa": everything goes to the wire (macvlan_queue_xmit), vepa.plain.
TEST_F(CniMacvlan, VepaModeAddCheckMatrixDel) { full_cycle(MacvlanMode::vepa); }

// "mode": "private": private.plain (macvlan_queue_xmit never switches locally).
TEST_F(CniMacvlan, PrivateModeAddCheckMatrixDel) { full_cycle(MacvlanMode::private_); }

// "mode": "bridge", given explicitly: the same as the default.
TEST_F(CniMacvlan, BridgeModeAddCheckMatrixDel) { full_cycle(MacvlanMode::bridge); }

// "mode": "passthru": one pod, which takes the master's MAC (macvlan_common_newlink), and the
// matrix of passthru.plain. A second pod on the same master is refused by the kernel ("Only 1
// macvlan device can be created in passthru mode", macvlan_common_newlink, EINVAL), which the
// plugin passes on; it must allocate no address for it and leave no link behind.
TEST_F(CniMacvlan, PassthruModeTakesOnePodAddCheckMatrixDel) {
    const TopologySpec* spec = suite_context().catalog.find("passthru", "plain");
    ASSERT_NE(spec, nullptr);
    ASSERT_EQ(spec->slaves.size(), 1u);
    const Endpoint& only = spec->slaves.front().name;  // the pod the matrix measures
    const Endpoint refused = only + "_second";        // a pod of no topology: the kernel refuses it
    auto net = network(config("passthru"));
    const CniOutcome first = add(*net, only);
    ASSERT_TRUE(first.ok()) << first.summary();
    const CniOutcome second = add(*net, refused);
    RecordProperty("second_pod", second.summary());
    EXPECT_FALSE(second.ok()) << "a second passthru pod was added";
    EXPECT_TRUE(contains_nocase(second.error_msg, "invalid argument")) << "expected the kernel's EINVAL: " << second.summary();
    EXPECT_EQ(leases(net->name()).size(), families().size()) << "leases beyond the first pod's";
    EXPECT_FALSE(pod(refused).nl->find_link(kIfname).has_value()) << "the refused pod has an interface";
    EXPECT_EQ(stray_master_links(), std::vector<std::string>{}) << "the refused ADD left a link beside the master";
    EXPECT_FALSE(net->cached_result(pod(refused).pod).has_value());
    const CniOutcome cleanup = net->del(pod(refused).pod);
    EXPECT_TRUE(cleanup.ok()) << "DEL of the refused pod (a runtime's cleanup): " << cleanup.summary();
    pods.erase(refused);
    // The first pod goes through the whole cycle; its ADD is the one above, so only the rest.
    expect_result_matches_the_link(*net, only, MacvlanMode::passthru);
    const CniOutcome checked = net->check(pod(only).pod);
    EXPECT_TRUE(checked.ok()) << checked.summary();
    if (HasFailure()) return;
    measure(MacvlanMode::passthru);
    expect_deleted(*net, only);
    EXPECT_EQ(leases(net->name()), std::vector<std::string>{});
    EXPECT_EQ(cache_entries(), std::vector<std::string>{});
}

// --- the errors users meet ---------------------------------------------------------------------------

// What every refused ADD must leave: no interface in the pod, no lease, no cache entry, no link
// beside the master.
class CniMacvlanErrors : public CniMacvlan {
protected:
    static inline const Endpoint kPod = "c1";
    CniOutcome refused_add(const nlohmann::json& c) {
        net_ = network(c);
        const CniOutcome r = add(*net_, kPod);
        RecordProperty("plugin_says", r.summary());
        EXPECT_FALSE(r.ok()) << "accepted: " << c.dump();
        EXPECT_TRUE(r.error_code.has_value()) << "no CNI error document on standard output: " << r.out;
        EXPECT_FALSE(r.error_msg.empty());
        EXPECT_EQ(pod(kPod).links_added(), std::vector<std::string>{}) << "the refused ADD left links in the pod";
        EXPECT_EQ(leases(net_->name()), std::vector<std::string>{}) << "the refused ADD holds leases";
        EXPECT_EQ(cache_entries(), std::vector<std::string>{});
        EXPECT_EQ(stray_master_links(), std::vector<std::string>{}) << "the refused ADD left a link beside the master";
        return r;
    }
    std::unique_ptr<CniNetwork> net_;
};

// A master that does not exist. v1.1.1 looks the master up for its MTU check first (loadConf,
// getMTUByName) and returns netlink's own error unwrapped: the message says "Link not found" and
// does not name the master. Recorded as found: the test asserts the problem is named, and reports
// whether the master's name is in the message (names_the_master).
TEST_F(CniMacvlanErrors, MissingMasterIsRefused) {
    const std::string missing = "nosuch" + std::to_string(::getpid() % 10000);
    const CniOutcome r = refused_add(config("bridge", missing));
    EXPECT_TRUE(contains_nocase(r.error_msg, "not found")) << r.summary();
    const bool named = r.error_msg.find(missing) != std::string::npos;
    RecordProperty("names_the_master", named ? "yes" : "no: the message does not say which link");
}

// An MTU above the master's: refused before anything is made (loadConf), "invalid MTU N, must be
// [0, master MTU(M)]": clear, with both numbers.
TEST_F(CniMacvlanErrors, MtuAboveTheMastersIsRefused) {
    const unsigned master_mtu = lab->parent_link().mtu;
    const CniOutcome r = refused_add(config("bridge", std::nullopt, master_mtu + 1));
    EXPECT_TRUE(contains_nocase(r.error_msg, "mtu")) << r.summary();
    EXPECT_NE(r.error_msg.find(std::to_string(master_mtu + 1)), std::string::npos) << r.summary();
    EXPECT_NE(r.error_msg.find(std::to_string(master_mtu)), std::string::npos) << "the master's MTU: " << r.summary();
}

// A mode the plugin does not know: refused (modeFromString), "unknown macvlan mode: \"...\"": clear.
TEST_F(CniMacvlanErrors, UnknownModeIsRefused) {
    const CniOutcome r = refused_add(config("bogus"));
    EXPECT_TRUE(contains_nocase(r.error_msg, "mode")) << r.summary();
    EXPECT_NE(r.error_msg.find("bogus"), std::string::npos) << r.summary();
}

}  // namespace
}  // namespace mvc
