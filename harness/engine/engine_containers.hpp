// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "addresses.hpp"
#include "container_engine.hpp"
#include "engine_objects.hpp"
#include "net_namespace.hpp"
#include "rtnl.hpp"

namespace mvc {

// A running container, seen from the kernel: its network namespace (opened through its init
// process), the macvlan the engine gave it, and the addresses the engine says it
// assigned.
struct Container {
    std::string name;
    int pid = 0;
    std::optional<NetNamespace> ns;
    std::unique_ptr<Rtnl> nl;
    int ifindex = 0;
    std::optional<IpAddress> v4, v6;
    std::string mac;

    // Throws when the engine assigned none in that family.
    const IpAddress& address(Family f) const;
};

// `<client> container run` for one test container: detached, labelled with the run's owner, no log,
// busybox sleeping. No --rm: the engine's own removal at exit would race with the guard's
// `rm`; should the run die, its reaper removes the container.
std::vector<std::string> container_run_args(const ContainerEngine& engine, const std::string& container,
                                            const std::string& network, const std::string& image);

// Starts the containers at once (each start takes the engine a second or two), every one
// registered in `objects` before its command runs, and returns each one seen from the kernel, in
// the order of `names`. Throws EngineError when one does not start.
std::vector<std::unique_ptr<Container>> start_containers(const ContainerEngine& engine, EngineObjects& objects,
                                                         const std::vector<std::string>& names,
                                                         const std::string& network, const std::string& image,
                                                         unsigned neighbour_retransmit_ms);

// The container `name` on `network`, as the engine describes it and the kernel shows it; its
// macvlan gets the short neighbour retransmit time of the suite's own interfaces.
std::unique_ptr<Container> inspect_container(const ContainerEngine& engine, const std::string& name,
                                             const std::string& network, unsigned neighbour_retransmit_ms);

}  // namespace mvc
