// SPDX-License-Identifier: MIT
#include "docker_fixture.hpp"
#include "docker_text.hpp"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "echo_probe.hpp"
#include "link_events.hpp"
#include "probe_defaults.hpp"
#include "suite_context.hpp"
#include "topology.hpp"

namespace mvc {

using namespace std::chrono_literals;
using namespace docker_plan;
using docker_text::join;

namespace {
constexpr auto kReadyTimeout = 5s;  // links up, controls answering: normally milliseconds
}  // namespace

std::unique_ptr<DockerSession> DockerMacvlan::session_;

void DockerMacvlan::TearDownTestSuite() {
    if (!session_) return;
    const auto problems = session_->close();
    session_.reset();
    if (!problems.empty()) ADD_FAILURE() << join(problems, "; ");
}

void DockerMacvlan::set_up() {
    auto& context = suite_context();
    if (!context.machine_namespace)
        GTEST_SKIP() << "the run has no handle on the machine's network namespace, where the Docker engine lives";
    if (!session_)
        session_ = DockerSession::open(*context.machine_namespace, context.console ? *context.console : std::cout);
    if (!session_->engine()) GTEST_SKIP() << session_->why_not();
    engine = session_->engine();
    RecordProperty("docker", engine->describe());

    if (const auto why = choose_subnets(*context.machine_namespace); !why.empty()) GTEST_SKIP() << why;
    // Unique within the process, across both suites: every lab and object name carries it.
    static unsigned serial = 0;
    serial_ = ++serial;
    lab = std::make_unique<DockerLab>(*context.machine_namespace, session_->reaper(), serial_,
                                      defaults::kNeighbourRetransmitMs);
    objects = std::make_unique<DockerObjects>(*engine);
}

void DockerMacvlan::TearDown() {
    containers.clear();  // namespace handles first: nothing of the test keeps a container's namespace alive
    if (objects) {
        const auto problems = objects->remove_all();
        EXPECT_TRUE(problems.empty()) << "Docker objects left behind: " << join(problems, "; ");
        objects.reset();
        const std::string mine = "label=" + owner_label();
        for (const auto& listing : {engine->run({"container", "ls", "--all", "--quiet", "--filter", mine}),
                                    engine->run({"network", "ls", "--quiet", "--filter", mine})})
            EXPECT_TRUE(listing.ok() && listing.out.empty())
                << "objects of this run still exist: " << listing.summary() << "\n" << listing.out;
    }
    if (lab) {
        const std::string name = lab->parent_name;
        EXPECT_EQ(lab->remove(), "");
        EXPECT_FALSE(lab->machine_nl->find_link(name).has_value()) << name << " still exists";
        lab.reset();
    }
    KernelTest::TearDown();
}

std::string DockerMacvlan::test_image_missing() const { return session_ ? session_->image_missing() : ""; }

std::string DockerMacvlan::choose_subnets(const NetNamespace& machine) {
    Rtnl machine_nl(machine);
    const auto& ipv6 = suite_context().capabilities.ipv6;
    std::string why;
    const auto chosen =
        choose_docker_subnets(taken_prefixes(machine_nl, *engine), ipv6.present ? "" : Capabilities::missing(ipv6), &why);
    if (!chosen) return why;
    v4 = chosen->v4;
    v6 = chosen->v6;
    v6_missing = chosen->v6_missing;
    RecordProperty("subnets", v4.str() + (v6 ? ", " + v6->str() : ", no IPv6: " + v6_missing));
    return "";
}

std::string DockerMacvlan::name(const std::string& role) const {
    return "mvc-" + std::to_string(::getpid()) + "-" + std::to_string(serial_) + "-" + role;
}

std::string DockerMacvlan::owner_label() { return docker_owner_label(); }

const TopologySpec& DockerMacvlan::plain(MacvlanMode mode) const {
    const TopologySpec* spec = suite_context().catalog.find(to_string(mode), "plain");
    if (!spec) throw std::logic_error("the topology catalog has no " + std::string(to_string(mode)) + ".plain");
    return *spec;
}

std::vector<Family> DockerMacvlan::families() const {
    if (v6) return {Family::ipv4, Family::ipv6};
    return {Family::ipv4};
}

void DockerMacvlan::prepare(Rtnl& nl, int ifindex, bool link_local_too) {
    prepare_interface(nl, ifindex, defaults::kNeighbourRetransmitMs, link_local_too);
}

DockerResult DockerMacvlan::create_lan_network(const std::string& network, std::optional<MacvlanMode> mode,
                                               const std::string& parent) {
    std::vector<std::string> args{"network", "create", "--driver", "macvlan", "--label", owner_label(),
                                  "--subnet", v4.str(), "--ip-range", prefix_of(v4.at(0), 25).str(),
                                  "--gateway", v4.at(kGatewayV4).str()};
    if (v6)
        args.insert(args.end(), {"--ipv6", "--subnet", v6->str(), "--ip-range", prefix_of(v6->at(0), 80).str(),
                                 "--gateway", v6->at(0xff * kV6Block + 1).str()});
    return create_network(network, args, mode, parent);
}

DockerResult DockerMacvlan::create_network(const std::string& network, std::vector<std::string> args,
                                           std::optional<MacvlanMode> mode, const std::string& parent) {
    args.insert(args.end(), {"--opt", "parent=" + parent});
    if (mode) args.insert(args.end(), {"--opt", "macvlan_mode=" + std::string(to_string(*mode))});
    args.push_back(network);
    objects->add_network(network);
    return engine->run(args);
}

DockerResult DockerMacvlan::run_container(const std::string& container, const std::string& network) {
    objects->add_container(container);
    return engine->run(container_run_args(container, network, session_->image()));
}

void DockerMacvlan::start_containers(const std::string& network, const std::vector<SlaveSpec>& slaves) {
    std::vector<std::string> names;
    for (const auto& s : slaves) names.push_back(name(s.name));
    auto started = mvc::start_containers(*engine, *objects, names, network, session_->image(),
                                         defaults::kNeighbourRetransmitMs);
    for (size_t i = 0; i < slaves.size(); ++i) containers[slaves[i].name] = std::move(started[i]);
}

void DockerMacvlan::wait_until_ready(const std::vector<std::pair<Rtnl*, int>>& machine_and_ext_links) {
    std::vector<const NetNamespace*> namespaces{&lab->machine, &lab->ext};
    for (auto& [e, c] : containers) namespaces.push_back(&*c->ns);
    LinkEvents events(namespaces);
    auto up = [](const LinkInfo& l) { return l.up() && l.carrier && (l.oper_up() || l.operstate == IF_OPER_UNKNOWN); };
    const bool ready = events.wait_until(
        [&] {
            for (auto& [nl, ifindex] : machine_and_ext_links)
                if (!up(nl->link(ifindex))) return false;
            for (auto& [e, c] : containers)
                if (!up(c->nl->link(c->ifindex))) return false;
            return true;
        },
        std::chrono::milliseconds(kReadyTimeout));
    if (!ready) throw NotReady("the parent, its peer or a container's macvlan never came up");
    const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    for (auto& [e, c] : containers)
        for (;;) {
            bool tentative = false;
            for (const auto& a : c->nl->addresses())
                if (a.ifindex == c->ifindex && (a.flags & IFA_F_TENTATIVE)) tentative = true;
            if (!tentative) break;
            if (std::chrono::steady_clock::now() > deadline) throw NotReady(c->name + " still has a tentative address");
            std::this_thread::sleep_for(10ms);
        }
}

// The containers have one address per family each (Docker's), so cells that share one are kept
// apart: first every cell from host or ext (and c1->c2), then, with the containers' and ext's
// neighbour caches flushed, every cell from a container. That order is the safe one: a container
// whose request reached X would teach X its address, and X->container could then go out as
// unicast without the broadcast the verdict is about.
void DockerMacvlan::measure(const TopologySpec& spec, int host_if, int ext_if) {
    const auto& context = suite_context();
    const EchoSchedule cells = context.cell_schedule;
    AddressSource host(*lab->machine_nl, host_if, v4, v6, kHostFirst, kHostLast, 1 * kV6Block);
    AddressSource ext(*lab->ext_nl, ext_if, v4, v6, kExtFirst, kExtLast, 2 * kV6Block);
    const std::map<Endpoint, const NetNamespace*> where{{kHost, &lab->machine}, {kExt, &lab->ext}};
    auto ns_of = [&](const Endpoint& e) { return where.count(e) ? where.at(e) : &*containers.at(e)->ns; };
    auto address_of = [&](const Endpoint& e, Family f) {
        if (e == kHost) return host.take(f);
        if (e == kExt) return ext.take(f);
        return containers.at(e)->address(f);
    };

    std::vector<EchoProbe> controls;
    std::vector<std::string> control_names;
    std::vector<CellId> round1, round2;
    std::vector<EchoProbe> probes1, probes2;
    for (auto f : families()) {
        for (const auto& c : spec.controls) {
            controls.push_back({ns_of(c.from), address_of(c.from, f), address_of(c.to, f)});
            control_names.push_back(c.from + "->" + c.to + " (" + std::string(to_string(f)) + ")");
        }
        for (const auto& [from, to] : spec.cell_pairs()) {
            const CellId cell{spec.name, spec.variant.name, f, from, to};
            const EchoProbe probe{ns_of(from), address_of(from, f), address_of(to, f)};
            const bool first = from == kHost || from == kExt ||
                               (spec.slaves.size() > 1 && from == spec.slaves[0].name && to == spec.slaves[1].name);
            (first ? round1 : round2).push_back(cell);
            (first ? probes1 : probes2).push_back(probe);
        }
    }
    wait_until_ready({{lab->machine_nl.get(), host_if}, {lab->ext_nl.get(), ext_if}});

    // Positive controls before and after: a "blocked" verdict counts only in a topology that
    // demonstrably carries traffic.
    auto check_controls = [&](const char* when) {
        const auto r = run_echo_probes(controls, {cells.resend_interval, kReadyTimeout});
        std::vector<std::string> silent;
        for (size_t i = 0; i < r.size(); ++i)
            if (!r[i].replied) silent.push_back(control_names[i]);
        if (!silent.empty()) throw NotReady(std::string("controls silent ") + when + " the probes: " + join(silent, ", "));
    };
    auto cold_caches = [&] {
        lab->machine_nl->flush_neighbours([&](const IpAddress&, int ifindex) { return ifindex == host_if; });
        lab->ext_nl->flush_neighbours();
        for (auto& [e, c] : containers) c->nl->flush_neighbours();
    };
    check_controls("before");
    cold_caches();
    const auto started = std::chrono::steady_clock::now();
    const auto results1 = run_echo_probes(probes1, cells);
    cold_caches();
    const auto results2 = run_echo_probes(probes2, cells);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    check_controls("after");

    std::map<Family, std::string> observed;
    auto judge = [&](const std::vector<CellId>& cell_ids, const std::vector<EchoResult>& results) {
        for (size_t i = 0; i < cell_ids.size(); ++i) {
            const CellId& cell = cell_ids[i];
            const Reach seen = results[i].replied ? Reach::reachable : Reach::blocked;
            const Expectation& expected = context.expectations.at(cell);
            observed[cell.family] += std::string(observed[cell.family].empty() ? "" : " ") + cell.from + ">" + cell.to + ":" +
                                     std::string(to_string(seen));
            if (seen != expected.expected)
                ADD_FAILURE() << cell.name() << " through Docker's macvlan driver: expected "
                              << to_string(expected.expected) << ", observed " << to_string(seen) << "\n  expectation ("
                              << context.expectations.source() << "): " << expected.reason;
        }
    };
    judge(round1, results1);
    judge(round2, results2);
    for (const auto& [f, text] : observed) RecordProperty("observed_" + std::string(to_string(f)), text);
    if (!v6) RecordProperty("ipv6", "not measured: " + v6_missing);
    RecordProperty("probe_seconds", std::to_string(seconds));
}

void DockerMacvlan::expect_kernel_mode(MacvlanMode mode) {
    for (auto& [e, c] : containers)
        EXPECT_EQ(macvlan_info(*c->nl, c->ifindex).mode, static_cast<uint32_t>(mode))
            << c->name << "'s macvlan is not in mode " << to_string(mode);
}

void DockerMacvlan::mode_matches_the_kernel_suite(MacvlanMode mode) {
    const auto& spec = plain(mode);
    const std::string network = name("net");
    const DockerResult created = create_lan_network(network, mode, lab->parent_name);
    ASSERT_TRUE(created.ok()) << created.summary();
    start_containers(network, spec.slaves);
    expect_kernel_mode(mode);
    measure(spec, lab->parent, lab->peer);
}

}  // namespace mvc
