// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "container_engine.hpp"

namespace mvc {

// A network as its engine describes it, in the words both engines share. Docker's `network
// inspect` says Driver, IPAM.Config[].Subnet/Gateway and Options.parent/macvlan_mode (moby
// api/types/network); Podman's says driver, subnets[].subnet/gateway, network_interface and
// options.mode (containers/common libnetwork/types/network.go).
struct NetworkView {
    struct Subnet {
        std::string subnet, gateway;
    };
    std::string driver;
    std::string parent;  // the macvlan's parent interface
    std::string mode;    // the macvlan mode option as stored, "" when none was given
    std::vector<Subnet> subnets;
};

// `<client> network inspect name`, read. Throws EngineError when there is no such network, and
// std::runtime_error when the answer cannot be read.
NetworkView inspect_network(const ContainerEngine& engine, const std::string& name);

}  // namespace mvc
