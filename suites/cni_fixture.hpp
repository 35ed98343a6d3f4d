// SPDX-License-Identifier: MIT
#pragma once

// The fixture of the CNI suite (cni_suite.cpp has the tests): Debian's CNI macvlan plugin with
// host-local IPAM, driven as a container runtime drives it. Nothing touches the machine's
// namespace: the master is the parent of a fresh VethLab (in a private namespace of the run, where
// the plugin is started), the pods are anonymous namespaces of the run, handed to the plugin as
// /proc/<pid>/fd/<n>, and the IPAM leases and the runtime's cache live in a tmpfs mounted nowhere
// (CniScratch). After a SIGKILL the kernel frees all of it: there is nothing for a reaper to do.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni_network.hpp"
#include "cni_scratch.hpp"
#include "machine_routes.hpp"
#include "topology_spec.hpp"
#include "veth_lab.hpp"

namespace mvc {

// One pod: a namespace of ours, what the runtime tells the plugin about it, and what ADD gave.
struct CniPodState {
    NetNamespace ns;
    std::unique_ptr<Rtnl> nl;
    CniPod pod;
    std::optional<CniResult> result;
    int ifindex = 0;  // of its interface, once ADD succeeded

    // Links the namespace got after it was made: not lo, nor a fallback tunnel (tunl0, sit0 ...)
    // a loaded ipip or sit module puts in every new namespace.
    std::set<int> links_at_start;
    std::vector<std::string> links_added() const;

    const IpAddress& address(Family f) const;  // the result's address in that family; throws when none
};

class CniMacvlan : public LabTest {
protected:
    void prepare() override;
    void TearDown() override;

    static constexpr unsigned kPodMtu = 1400;  // below the master's 1500, so the request shows
    static constexpr const char* kIfname = "eth0";

    // The network configuration: the lab's parent as master, `mode` (none: the plugin's default),
    // host-local with the pods' ranges and two routes, the data and cache directories in scratch.
    nlohmann::json config(std::optional<std::string> mode, std::optional<std::string> master = std::nullopt,
                          std::optional<unsigned> mtu = kPodMtu) const;
    std::unique_ptr<CniNetwork> network(const nlohmann::json& config) const;
    // A pod namespace for `e` (a slave of the topology: c1, c2, ...), not yet added.
    CniPodState& pod(const Endpoint& e);
    // ADD for the pod; on success its interface is found and given the suite's neighbour timing.
    CniOutcome add(CniNetwork& net, const Endpoint& e);
    // The result document of `e` against the link the plugin made: the interface's name, sandbox,
    // kind, mode, master, MTU and MAC, each address (in the range, on the link, not tentative, and
    // nothing more) and each route (destination, gateway, device), and host-local's lease file.
    void expect_result_matches_the_link(const CniNetwork& net, const Endpoint& e, MacvlanMode mode);
    // The reachability matrix of the kernel suite's `plain` topology for `mode`, between the pods
    // (c1, c2), the master's namespace (host) and ext.
    void measure(MacvlanMode mode);
    // After DEL: no interface in the pod, no lease of it, no cache entry, nothing new beside the
    // master in its namespace; a second DEL succeeds too (SPEC.md: DEL tolerates missing resources).
    void expect_deleted(CniNetwork& net, const Endpoint& e);
    // ADD, result vs link, CHECK, matrix, DEL for the pods of `mode`'s plain topology.
    void full_cycle(std::optional<MacvlanMode> mode);

    // The lease files host-local holds for network `name` (its dataDir/<name>/<address>).
    std::vector<std::string> leases(const std::string& name) const;
    std::vector<std::string> cache_entries() const;
    // Links of the master's namespace that were not there before the test (lo, the parent, and
    // the fallback tunnels a loaded ipip or sit module puts in every new namespace, tunl0 ...):
    // what a failed ADD or a DEL must not leave.
    std::vector<std::string> stray_master_links() const;
    std::set<int> links_at_start;
    std::vector<Family> families() const;

    std::filesystem::path plugins;
    std::unique_ptr<CniScratch> scratch;
    IpPrefix v4 = IpPrefix::parse("192.0.2.0/24");
    std::optional<IpPrefix> v6;
    std::map<Endpoint, std::unique_ptr<CniPodState>> pods;
    unsigned serial_ = 0;
};

}  // namespace mvc
