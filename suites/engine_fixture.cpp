// SPDX-License-Identifier: MIT
#include "engine_fixture.hpp"

#include "engine_text.hpp"
#include "fixed_address_matrix.hpp"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "link_events.hpp"
#include "probe_defaults.hpp"
#include "suite_context.hpp"
#include "topology.hpp"

namespace mvc {

using namespace std::chrono_literals;
using namespace engine_plan;
using engine_text::join;

namespace {
constexpr auto kReadyTimeout = 5s;  // links up, controls answering: normally milliseconds
}  // namespace

std::map<EngineKind, std::unique_ptr<EngineSession>> EngineMacvlan::sessions_;

void EngineMacvlan::close_session(EngineKind kind) {
    const auto it = sessions_.find(kind);
    if (it == sessions_.end()) return;
    const auto problems = it->second->close();
    sessions_.erase(it);
    if (!problems.empty()) ADD_FAILURE() << join(problems, "; ");
}

EngineSession& EngineMacvlan::session() const { return *sessions_.at(kind()); }

void EngineMacvlan::set_up() {
    auto& context = suite_context();
    const EngineDialect& d = dialect_of(kind());
    if (!context.machine_namespace)
        GTEST_SKIP() << "the run has no handle on the machine's network namespace, where the " << d.display
                     << " engine works";
    auto& session = sessions_[kind()];
    if (!session)
        session = EngineSession::open(kind(), *context.machine_namespace, context.console ? *context.console : std::cout);
    if (!session->engine()) GTEST_SKIP() << session->why_not();
    engine = session->engine();
    RecordProperty(std::string(to_string(kind())), engine->describe());

    if (const auto why = choose_subnets(*context.machine_namespace); !why.empty()) GTEST_SKIP() << why;
    // Unique within the process, across both suites: every lab and object name carries it.
    static unsigned serial = 0;
    serial_ = ++serial;
    lab = std::make_unique<EngineLab>(*context.machine_namespace, session->reaper(), serial_,
                                      defaults::kNeighbourRetransmitMs);
    objects = std::make_unique<EngineObjects>(*engine);
}

void EngineMacvlan::TearDown() {
    containers.clear();  // namespace handles first: nothing of the test keeps a container's namespace alive
    if (objects) {
        const auto problems = objects->remove_all();
        EXPECT_TRUE(problems.empty()) << dialect().display << " objects left behind: " << join(problems, "; ");
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

std::string EngineMacvlan::test_image_missing() const {
    const auto it = sessions_.find(kind());
    return it != sessions_.end() && it->second ? it->second->image_missing() : "";
}

std::string EngineMacvlan::choose_subnets(const NetNamespace& machine) {
    Rtnl machine_nl(machine);
    const auto& ipv6 = suite_context().capabilities.ipv6;
    std::string why;
    const auto chosen =
        choose_engine_subnets(taken_prefixes(machine_nl, *engine), ipv6.present ? "" : Capabilities::missing(ipv6), &why);
    if (!chosen) return why;
    v4 = chosen->v4;
    v6 = chosen->v6;
    v6_missing = chosen->v6_missing;
    RecordProperty("subnets", v4.str() + (v6 ? ", " + v6->str() : ", no IPv6: " + v6_missing));
    return "";
}

std::string EngineMacvlan::name(const std::string& role) const {
    return "mvc-" + std::to_string(::getpid()) + "-" + std::to_string(serial_) + "-" + role;
}

std::string EngineMacvlan::owner_label() { return engine_owner_label(); }

const TopologySpec& EngineMacvlan::plain(MacvlanMode mode) const {
    const TopologySpec* spec = suite_context().catalog.find(to_string(mode), "plain");
    if (!spec) throw std::logic_error("the topology catalog has no " + std::string(to_string(mode)) + ".plain");
    return *spec;
}

std::vector<Family> EngineMacvlan::families() const {
    if (v6) return {Family::ipv4, Family::ipv6};
    return {Family::ipv4};
}

void EngineMacvlan::prepare(Rtnl& nl, int ifindex, bool link_local_too) {
    prepare_interface(nl, ifindex, defaults::kNeighbourRetransmitMs, link_local_too);
}

EngineResult EngineMacvlan::create_lan_network(const std::string& network, std::optional<MacvlanMode> mode,
                                               const std::string& parent) {
    std::vector<std::string> args{"network", "create", "--driver", "macvlan", "--label", owner_label(),
                                  "--subnet", v4.str(), "--ip-range", prefix_of(v4.at(0), 25).str(),
                                  "--gateway", v4.at(kGatewayV4).str()};
    if (v6)
        args.insert(args.end(), {"--ipv6", "--subnet", v6->str(), "--ip-range", prefix_of(v6->at(0), 80).str(),
                                 "--gateway", v6->at(0xff * kV6Block + 1).str()});
    return create_network(network, args, mode, parent);
}

EngineResult EngineMacvlan::create_network(const std::string& network, std::vector<std::string> args,
                                           std::optional<MacvlanMode> mode, const std::string& parent) {
    args.insert(args.end(), {"--opt", "parent=" + parent});
    if (mode) args.insert(args.end(), {"--opt", std::string(dialect().mode_option) + "=" + std::string(to_string(*mode))});
    args.push_back(network);
    objects->add_network(network);
    return engine->run(args);
}

EngineResult EngineMacvlan::run_container(const std::string& container, const std::string& network) {
    objects->add_container(container);
    return engine->run(container_run_args(*engine, container, network, session().image()));
}

void EngineMacvlan::start_containers(const std::string& network, const std::vector<SlaveSpec>& slaves) {
    std::vector<std::string> names;
    for (const auto& s : slaves) names.push_back(name(s.name));
    auto started = mvc::start_containers(*engine, *objects, names, network, session().image(),
                                         defaults::kNeighbourRetransmitMs);
    for (size_t i = 0; i < slaves.size(); ++i) containers[slaves[i].name] = std::move(started[i]);
}

void EngineMacvlan::wait_until_ready(const std::vector<std::pair<Rtnl*, int>>& machine_and_ext_links) {
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

// The matrix through the engine's network: host and ext take a fresh address per cell from
// their halves of the LAN, the containers have the engine's (fixed_address_matrix.hpp says how the
// cells are ordered around them).
void EngineMacvlan::measure(const TopologySpec& spec, int host_if, int ext_if) {
    const auto& context = suite_context();
    AddressSource host(*lab->machine_nl, host_if, v4, v6, kHostFirst, kHostLast, 1 * kV6Block);
    AddressSource ext(*lab->ext_nl, ext_if, v4, v6, kExtFirst, kExtLast, 2 * kV6Block);
    FixedAddressMatrix matrix;
    matrix.spec = &spec;
    matrix.families = families();
    matrix.through = std::string("through ") + dialect().display + "'s macvlan driver";
    matrix.endpoints[kHost] = {&lab->machine, lab->machine_nl.get(), host_if, [&](Family f) { return host.take(f); }};
    matrix.endpoints[kExt] = {&lab->ext, lab->ext_nl.get(), ext_if, [&](Family f) { return ext.take(f); }};
    for (auto& [e, c] : containers) {
        const Container* container = c.get();
        matrix.endpoints[e] = {&*c->ns, c->nl.get(), c->ifindex, [container](Family f) { return container->address(f); }};
    }
    matrix.wait_until_ready = [&] { wait_until_ready({{lab->machine_nl.get(), host_if}, {lab->ext_nl.get(), ext_if}}); };
    const auto m = measure_fixed_address_matrix(matrix, context.cell_schedule, kReadyTimeout);
    for (const auto& [f, text] : m.observed) RecordProperty("observed_" + std::string(to_string(f)), text);
    if (!v6) RecordProperty("ipv6", "not measured: " + v6_missing);
    RecordProperty("probe_seconds", std::to_string(m.probe_seconds));
}

void EngineMacvlan::expect_kernel_mode(MacvlanMode mode) {
    for (auto& [e, c] : containers)
        EXPECT_EQ(macvlan_info(*c->nl, c->ifindex).mode, static_cast<uint32_t>(mode))
            << c->name << "'s macvlan is not in mode " << to_string(mode);
}

void EngineMacvlan::mode_matches_the_kernel_suite(MacvlanMode mode) {
    const auto& spec = plain(mode);
    const std::string network = name("net");
    const EngineResult created = create_lan_network(network, mode, lab->parent_name);
    ASSERT_TRUE(created.ok()) << created.summary();
    start_containers(network, spec.slaves);
    expect_kernel_mode(mode);
    measure(spec, lab->parent, lab->peer);
}

}  // namespace mvc
