// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "addresses.hpp"
#include "engine_kind.hpp"

namespace mvc {

// What an engine's `inspect` printed could not be read. The message says what was missing or wrong.
class InspectError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

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

// A container on one network as `container inspect` describes it: State.Pid and, under
// NetworkSettings.Networks.<network>, IPAddress, GlobalIPv6Address and MacAddress (the same
// fields in Docker's and Podman's output).
struct ContainerView {
    int pid = 0;
    std::optional<IpAddress> v4, v6;
    std::string mac;
};

// Pure readers of the engines' JSON, apart from running them (fuzz/fuzz_engine_inspect.cpp).
// Both throw InspectError on anything they cannot read.
NetworkView read_network_inspect(EngineKind kind, const std::string& text);
ContainerView read_container_inspect(const std::string& text, const std::string& network);

}  // namespace mvc
