// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "addresses.hpp"

namespace mvc {

// The result document of an ADD (CNI SPEC.md, "Success"; the 1.0.0 format), as far as a macvlan
// plugin with host-local IPAM fills it in. Read strictly: a field of the wrong type, an address
// that does not parse, an ips[].interface index that points nowhere is refused with the reason.
struct CniResult {
    struct Interface {
        std::string name, mac, sandbox;
    };
    struct Ip {
        IpAddress address;
        int prefix_length = 0;
        std::optional<IpAddress> gateway;
        std::optional<int> interface;  // index into interfaces
    };
    struct Route {
        IpAddress destination;  // network address
        int prefix_length = 0;
        std::optional<IpAddress> gateway;
    };
    std::string cni_version;
    std::vector<Interface> interfaces;
    std::vector<Ip> ips;
    std::vector<Route> routes;
    std::string text;  // the document as the plugin printed it: CHECK and DEL get it back as prevResult

    // Throws std::runtime_error naming the field when `json` is no such document.
    static CniResult parse(const std::string& json);
    // The interface named `ifname` that has a sandbox (the pod's side); throws when there is none.
    const Interface& pod_interface(const std::string& ifname) const;
};

// "192.0.2.10/24" -> address and length; throws std::invalid_argument.
std::pair<IpAddress, int> parse_cidr(const std::string& text);

}  // namespace mvc
