// SPDX-License-Identifier: MIT
#include "engine_containers.hpp"

#include <future>

#include "engine_inspect.hpp"

namespace mvc {

const IpAddress& Container::address(Family f) const {
    const auto& a = f == Family::ipv4 ? v4 : v6;
    if (!a) throw std::runtime_error("the engine assigned no " + std::string(to_string(f)) + " address to " + name);
    return *a;
}

std::vector<std::string> container_run_args(const ContainerEngine& engine, const std::string& container,
                                            const std::string& network, const std::string& image) {
    std::vector<std::string> args{"container", "run", "--detach", "--name", container, "--label", engine_owner_label(),
                                  "--network", network, "--log-driver", "none"};
    const auto& extra = engine.dialect().run_extra;
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {image, "/bin/busybox", "sleep", "1800"});
    return args;
}

std::vector<std::unique_ptr<Container>> start_containers(const ContainerEngine& engine, EngineObjects& objects,
                                                         const std::vector<std::string>& names,
                                                         const std::string& network, const std::string& image,
                                                         unsigned neighbour_retransmit_ms) {
    std::vector<std::future<EngineResult>> started;
    for (const auto& name : names) {
        objects.add_container(name);  // here, not in the threads: the guard is not shared
        started.push_back(std::async(std::launch::async, [&engine, name, network, image] {
            return engine.run(container_run_args(engine, name, network, image));
        }));
    }
    // Every start is waited for before any failure is reported: a thread must not outlive `engine`.
    std::vector<EngineResult> results;
    for (auto& f : started) results.push_back(f.get());
    for (auto& r : results)
        if (!r.ok()) throw EngineError(r);
    std::vector<std::unique_ptr<Container>> containers;
    for (const auto& name : names) containers.push_back(inspect_container(engine, name, network, neighbour_retransmit_ms));
    return containers;
}

std::unique_ptr<Container> inspect_container(const ContainerEngine& engine, const std::string& name,
                                             const std::string& network, unsigned neighbour_retransmit_ms) {
    const std::string text = engine.check({"container", "inspect", name});
    ContainerView view;
    try {
        view = read_container_inspect(text, network);
    } catch (const InspectError& e) {
        throw std::runtime_error(std::string("cannot read `") + engine.dialect().client + " container inspect " + name + "`: " + e.what() +
                                 "\n" + text);
    }
    auto c = std::make_unique<Container>();
    c->name = name;
    c->pid = view.pid;
    c->v4 = view.v4;
    c->v6 = view.v6;
    c->mac = view.mac;
    // The container's own namespace, reached through its init process: what the engine built, seen by
    // the kernel and probed from inside.
    c->ns = NetNamespace::open("/proc/" + std::to_string(c->pid) + "/ns/net");
    c->nl = std::make_unique<Rtnl>(*c->ns);
    for (const auto& l : c->nl->links())
        if (l.kind == "macvlan") c->ifindex = l.ifindex;
    if (!c->ifindex) throw std::runtime_error(name + " has no macvlan interface");
    if (c->v4) c->nl->set_neighbour_retransmit(c->ifindex, Family::ipv4, neighbour_retransmit_ms);
    if (c->v6) c->nl->set_neighbour_retransmit(c->ifindex, Family::ipv6, neighbour_retransmit_ms);
    return c;
}

}  // namespace mvc
