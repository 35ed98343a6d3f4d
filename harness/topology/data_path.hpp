// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "addresses.hpp"
#include "endpoint_node.hpp"
#include "net_namespace.hpp"

namespace mvc {

class Topology;

// The ways two network stacks on one machine can be joined that the field note compares: what
// `macvlan-conformance bench` measures, side by side, on this kernel. Each is built in anonymous
// namespaces of its own, so the kernel deletes it when its descriptors close.
//
//   macvlan_bridge  c1 --macvlan(bridge)--+ parent --veth-- ext     c1 -> c2: container <-> container,
//                   c2 --macvlan(bridge)--+                          the frame never leaves the port
//   macvlan_ext     c1 --macvlan(bridge)-- parent ==veth== ext      c1 -> ext: container <-> outside
//   macvtap_ext     guest TAP <-relay-> macvtap(bridge) -- parent ==veth== ext     VM <-> outside; the
//                   relay is this process's thread (guest_relay.hpp), where a VM has QEMU or vhost
//   ipvlan_l2       c1 --ipvlan(l2)--+ parent --veth-- ext          c1 -> c2, ipvlan's equivalent of
//                   c2 --ipvlan(l2)--+                               macvlan_bridge
//   veth_bridge     a ==veth== [br0 in sw] ==veth== b               the Linux bridge the note says
//                                                                    macvlan does without
//   veth            a ==veth== b                                    the floor: one veth pair
enum class PathKind { macvlan_bridge, macvlan_ext, macvtap_ext, ipvlan_l2, veth_bridge, veth };

// Every kind, in the order a run measures them (the baseline, veth_bridge, among them).
const std::vector<PathKind>& all_path_kinds();
std::string_view path_id(PathKind kind);  // "macvlan-bridge", ... (command line, JSON)
PathKind path_kind_from_id(std::string_view id);  // throws std::invalid_argument
std::string_view path_title(PathKind kind);       // "macvlan bridge: container <-> container"
// How the traffic travels, for the report; says when a user-space relay is part of the path.
std::string_view path_description(PathKind kind);
bool path_has_user_space_relay(PathKind kind);

// One built path: a client and a server side, each a namespace with one address, and everything
// that keeps the path alive. Traffic is always opened from `client` to `server`.
class DataPath {
public:
    // Builds it and waits (on RTNLGRP_LINK, no sleeping) until every link is up. Throws
    // NetlinkError/SystemError when the kernel refuses a link (the caller turns EOPNOTSUPP into a
    // skip) and NotReady when a link never comes up.
    static std::unique_ptr<DataPath> build(PathKind kind, std::chrono::steady_clock::time_point deadline);
    ~DataPath();
    DataPath(const DataPath&) = delete;
    DataPath& operator=(const DataPath&) = delete;

    PathKind kind() const { return kind_; }
    const NetNamespace& client_ns() const { return *client_ns_; }
    const NetNamespace& server_ns() const { return *server_ns_; }
    const IpAddress& client_address() const { return client_address_; }
    const IpAddress& server_address() const { return server_address_; }

private:
    explicit DataPath(PathKind kind) : kind_(kind) {}
    void build_from_topology(std::chrono::steady_clock::time_point deadline);
    void build_ipvlan(std::chrono::steady_clock::time_point deadline);
    void build_veths(bool through_bridge, std::chrono::steady_clock::time_point deadline);

    PathKind kind_;
    std::unique_ptr<Topology> topology_;               // the macvlan and macvtap paths
    std::vector<std::unique_ptr<EndpointNode>> nodes_;  // the others
    const NetNamespace* client_ns_ = nullptr;
    const NetNamespace* server_ns_ = nullptr;
    IpAddress client_address_, server_address_;
};

}  // namespace mvc
