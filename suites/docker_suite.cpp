// Docker's macvlan driver against a real engine: the second half of the field note (a macvlan
// network, two containers on it, a host that cannot reach them) and what Docker's users run into.
// The engine is driven through its own client (harness/docker_engine.hpp); what the containers can
// reach is measured from inside their network namespaces with the harness's own ICMP engine, never
// with a ping in the container, and compared with the kernel suite's expectation data.
//
// Where things live: the engine and the parent interface are in the machine's own namespace
// (suite_context().machine_namespace), so the parent is a veth the test creates there, with its
// peer (`ext`) in a private namespace. Addresses come from a subnet that overlaps no route of the
// machine and no Docker network, chosen at run time. Everything created is removed afterwards,
// also on failure: Docker objects by DockerObjects, links and routes by their owners' destructors.
#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/neighbour.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "docker_engine.hpp"
#include "echo_probe.hpp"
#include "error.hpp"
#include "link_events.hpp"
#include "machine_routes.hpp"
#include "macvlan_link.hpp"
#include "probe_defaults.hpp"
#include "rtnl.hpp"
#include "suite_context.hpp"
#include "topology.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr auto kReadyTimeout = 5s;  // links up, controls answering: normally milliseconds
constexpr uint16_t kVlanId = 10;

// Documentation ranges (RFC 5737; for IPv6, /64s of RFC 3849's 2001:db8::/32). 192.0.2.0/24 is
// left out on purpose: this project's development machine has its own uplink there, and these
// addresses go into the machine's namespace.
const char* const kIpv4Candidates[] = {"198.51.100.0/24", "203.0.113.0/24"};

// Inside the IPv4 /24: Docker allocates from the lower half (--ip-range), the test's own endpoints
// take the upper half, and the gateway is an address nobody owns, as on the field note's LAN.
constexpr unsigned long long kHostFirst = 129, kHostLast = 169;
constexpr unsigned long long kExtFirst = 170, kExtLast = 229;
constexpr unsigned long long kShimV4 = 240, kGatewayV4 = 254;
// Inside the IPv6 /64: Docker allocates from <prefix>::/80, the endpoints take <prefix>:1::/80
// (host), <prefix>:2::/80 (ext) and <prefix>:3::1 (the shim); the gateway is <prefix>:ff::1.
constexpr unsigned long long kV6Block = 1ULL << 48;

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
    return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

IpPrefix prefix_of(const IpAddress& address, int length) {
    IpPrefix p{address, length};
    p.network = p.at(0);
    return p;
}

// --- the engine: found once per process -----------------------------------------------------------

struct EngineState {
    bool probed = false;
    std::optional<DockerEngine> engine;
    std::string why_not;
};

EngineState& engine_state(const NetNamespace& machine) {
    static EngineState state;
    if (!state.probed) {
        state.probed = true;
        state.engine = DockerEngine::connect(machine, &state.why_not);
        if (state.engine) {
            std::ostream& console = suite_context().console ? *suite_context().console : std::cout;
            for (const auto& line : remove_leftovers_of_dead_runs(*state.engine))
                console << "macvlan-conformance: removed a Docker leftover of a run that died: " << line << "\n";
        }
    }
    return state;
}

// The one-file image every container runs, imported at the first test that needs it and removed
// when the suite ends.
std::unique_ptr<DockerObjects> image_objects;
std::string image_reference;

const std::string& test_image(const DockerEngine& engine) {
    if (!image_objects) {
        auto objects = std::make_unique<DockerObjects>(engine);
        const std::string reference = std::string(kDockerImageRepository) + ":" + docker_owner_tag();
        import_busybox_image(engine, *objects, reference);  // on failure, `objects` removes what was made
        image_objects = std::move(objects);
        image_reference = reference;
    }
    return image_reference;
}

// --- kernel objects in the machine's namespace ----------------------------------------------------

// The parent: a veth created in the machine's namespace, its peer (`ext`) in a private namespace.
// Deleting the parent deletes the peer, every macvlan Docker stacked on it (in any namespace), the
// VLAN sub-interfaces on it and their routes; and if the process dies, the private namespace goes,
// the peer with it, and the parent with the peer.
class DockerLab {
public:
    DockerLab(const NetNamespace& machine, unsigned serial)
        : machine(machine), machine_nl(std::make_unique<Rtnl>(machine)), ext(NetNamespace::create()),
          ext_nl(std::make_unique<Rtnl>(ext)) {
        char name[IFNAMSIZ];
        // At most 12 characters, so Docker's "<parent>.10" still fits IFNAMSIZ.
        std::snprintf(name, sizeof name, "mvd%xn%02x", static_cast<unsigned>(::getpid()) & 0xffffff, serial & 0xff);
        parent_name = name;
        parent = machine_nl->create_veth(parent_name, MacAddress::local(0x40, static_cast<uint8_t>(serial)), "peer",
                                         MacAddress::local(0x41, static_cast<uint8_t>(serial)), ext);
        try {
            peer = ext_nl->link("peer").ifindex;
            prepare(*machine_nl, parent);
            prepare(*ext_nl, peer);
        } catch (...) {
            remove();  // no destructor runs for an object whose constructor threw
            throw;
        }
    }
    ~DockerLab() {
        const std::string problem = remove();
        if (!problem.empty()) std::cerr << "macvlan-conformance: cleanup: " << problem << "\n";
    }
    DockerLab(const DockerLab&) = delete;
    DockerLab& operator=(const DockerLab&) = delete;

    // Deletes the parent now; returns "" or what went wrong.
    std::string remove() {
        if (!parent) return "";
        const int ifindex = std::exchange(parent, 0);
        try {
            // Only the link this lab made: same index *and* name (an index can be reused).
            const auto link = machine_nl->find_link(ifindex);
            if (link && link->name == parent_name) machine_nl->delete_link(ifindex);
            return "";
        } catch (const std::exception& e) {
            return "delete " + parent_name + ": " + e.what();
        }
    }

    // The way every interface of the test is set up: no IPv6 link-local address (no stray
    // DAD/MLD/RS frames, as in the kernel suite) and a 100 ms neighbour retransmit time, so one
    // lost solicitation costs milliseconds. Must precede set_up.
    static void prepare(Rtnl& nl, int ifindex, bool link_local_too = true) {
        if (link_local_too) nl.disable_ipv6_link_local(ifindex);
        const unsigned retransmit = defaults::kNeighbourRetransmitMs;
        nl.set_neighbour_retransmit(ifindex, Family::ipv4, retransmit);
        nl.set_neighbour_retransmit(ifindex, Family::ipv6, retransmit);
        nl.set_up(ifindex);
    }

    const NetNamespace& machine;
    std::unique_ptr<Rtnl> machine_nl;
    NetNamespace ext;
    std::unique_ptr<Rtnl> ext_nl;
    std::string parent_name;
    int parent = 0;
    int peer = 0;
};

// A link the test made in the machine's namespace (the host shim), deleted by the destructor.
class MachineLink {
public:
    MachineLink(Rtnl& nl, std::string name, int ifindex) : nl_(nl), name_(std::move(name)), ifindex_(ifindex) {}
    ~MachineLink() {
        const std::string problem = remove();
        if (!problem.empty()) std::cerr << "macvlan-conformance: cleanup: " << problem << "\n";
    }
    MachineLink(const MachineLink&) = delete;
    MachineLink& operator=(const MachineLink&) = delete;
    int ifindex() const { return ifindex_; }
    std::string remove() {
        if (!ifindex_) return "";
        const int ifindex = std::exchange(ifindex_, 0);
        try {
            const auto link = nl_.find_link(ifindex);
            if (link && link->name == name_) nl_.delete_link(ifindex);
            return "";
        } catch (const std::exception& e) {
            return "delete " + name_ + ": " + e.what();
        }
    }

private:
    Rtnl& nl_;
    std::string name_;
    int ifindex_;
};

// Where the test's own endpoints (host, ext) get their addresses: a fresh one at every call, so
// no two cells ever share a neighbour entry on that side (the reason is AddressPlan's).
class AddressSource {
public:
    AddressSource(Rtnl& nl, int ifindex, IpPrefix v4, std::optional<IpPrefix> v6, unsigned long long v4_first,
                  unsigned long long v4_last, unsigned long long v6_block)
        : nl_(nl), ifindex_(ifindex), v4_(v4), v6_(v6), next_v4_(v4_first), last_v4_(v4_last), v6_base_(v6_block) {}

    IpAddress take(Family family) {
        if (family == Family::ipv4) {
            if (next_v4_ > last_v4_) throw std::length_error("the test ran out of IPv4 addresses in " + v4_.str());
            const IpAddress a = v4_.at(next_v4_++);
            nl_.add_address(ifindex_, a, v4_.length);
            return a;
        }
        if (!v6_) throw std::logic_error("no IPv6 subnet");
        const IpAddress a = v6_->at(v6_base_ + next_v6_++);
        nl_.add_address(ifindex_, a, v6_->length);
        return a;
    }

private:
    Rtnl& nl_;
    int ifindex_;
    IpPrefix v4_;
    std::optional<IpPrefix> v6_;
    unsigned long long next_v4_, last_v4_, v6_base_, next_v6_ = 1;
};

// --- containers ------------------------------------------------------------------------------------

// A running container, seen from the kernel: its network namespace (opened through its init
// process), the macvlan Docker gave it, and the addresses Docker says it assigned.
struct Container {
    std::string name;
    int pid = 0;
    std::optional<NetNamespace> ns;
    std::unique_ptr<Rtnl> nl;
    int ifindex = 0;
    std::optional<IpAddress> v4, v6;
    std::string mac;

    const IpAddress& address(Family f) const {
        const auto& a = f == Family::ipv4 ? v4 : v6;
        if (!a) throw std::runtime_error("Docker assigned no " + std::string(to_string(f)) + " address to " + name);
        return *a;
    }
};

// --- the fixture ------------------------------------------------------------------------------------

class DockerMacvlan : public KernelTest {
protected:
    static void TearDownTestSuite() {
        if (!image_objects) return;
        const auto problems = image_objects->remove_all();
        image_objects.reset();
        if (!problems.empty()) ADD_FAILURE() << "the test image could not be removed: " << join(problems, "; ");
    }

    void set_up() override {
        auto& context = suite_context();
        if (!context.machine_namespace)
            GTEST_SKIP() << "the run has no handle on the machine's network namespace, where the Docker engine lives";
        EngineState& state = engine_state(*context.machine_namespace);
        if (!state.engine) GTEST_SKIP() << state.why_not;
        engine = &*state.engine;
        RecordProperty("docker", engine->describe());

        if (const auto why = choose_subnets(*context.machine_namespace); !why.empty()) GTEST_SKIP() << why;
        static unsigned serial = 0;
        serial_ = ++serial;
        lab = std::make_unique<DockerLab>(*context.machine_namespace, serial_);
        objects = std::make_unique<DockerObjects>(*engine);
    }

    void TearDown() override {
        containers.clear();  // namespace handles first: nothing of the test keeps a container's namespace alive
        if (objects) {
            const auto problems = objects->remove_all();
            EXPECT_TRUE(problems.empty()) << "Docker objects left behind: " << join(problems, "; ");
            objects.reset();
            const std::string mine = std::string("label=") + kDockerOwnerLabel + "=" + docker_owner_tag();
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

    // A subnet that overlaps no route of the machine (any table) and no Docker network: the shim
    // puts routes into the machine's namespace, and Docker refuses overlapping pools.
    // Returns why none is free, or "".
    std::string choose_subnets(const NetNamespace& machine) {
        std::vector<IpPrefix> taken;
        Rtnl machine_nl(machine);
        for (const auto& r : dump_routes(machine_nl)) taken.push_back(r.destination);
        const auto ids = engine->check({"network", "ls", "--quiet", "--no-trunc"});
        if (!ids.empty()) {
            std::vector<std::string> args{"network", "inspect", "--format",
                                          "{{range .IPAM.Config}}{{.Subnet}} {{end}}"};
            std::istringstream in(ids);
            for (std::string id; in >> id;) args.push_back(id);
            std::istringstream subnets(engine->check(args));
            for (std::string s; subnets >> s;) {
                const auto slash = s.find('/');
                try {
                    taken.push_back(prefix_of(IpAddress::parse(s.substr(0, slash)), std::stoi(s.substr(slash + 1))));
                } catch (const std::exception&) {
                }
            }
        }
        std::vector<IpPrefix> v4_candidates, v6_candidates;
        for (const char* c : kIpv4Candidates) v4_candidates.push_back(IpPrefix::parse(c));
        for (unsigned n = 1; n <= 16; ++n) {
            char c[64];
            std::snprintf(c, sizeof c, "2001:db8:6d76:%x::/64", n);  // 6d76: "mv"
            v6_candidates.push_back(IpPrefix::parse(c));
        }
        const auto v4_free = first_free(v4_candidates, taken);
        if (!v4_free)
            return "every candidate IPv4 subnet (198.51.100.0/24, 203.0.113.0/24) overlaps a route of this machine or "
                   "a Docker network";
        v4 = *v4_free;
        if (!suite_context().capabilities.ipv6.present)
            v6_missing = Capabilities::missing(suite_context().capabilities.ipv6);
        else if (auto v6_free = first_free(v6_candidates, taken))
            v6 = *v6_free;
        else
            v6_missing = "every candidate IPv6 subnet (2001:db8:6d76:1..10::/64) overlaps a route or a Docker network";
        RecordProperty("subnets", v4.str() + (v6 ? ", " + v6->str() : ", no IPv6: " + v6_missing));
        return "";
    }

    std::string name(const std::string& role) const {
        return "mvc-" + std::to_string(::getpid()) + "-" + std::to_string(serial_) + "-" + role;
    }

    // `docker network create -d macvlan` on the test's LAN: Docker allocates from the lower half,
    // the gateway is .254 (and <prefix>:ff::1), as on the field note's network.
    DockerResult create_lan_network(const std::string& network, std::optional<MacvlanMode> mode,
                                    const std::string& parent) {
        std::vector<std::string> args{"network", "create", "--driver", "macvlan", "--label", owner_label(),
                                      "--subnet", v4.str(), "--ip-range", prefix_of(v4.at(0), 25).str(),
                                      "--gateway", v4.at(kGatewayV4).str()};
        if (v6)
            args.insert(args.end(), {"--ipv6", "--subnet", v6->str(), "--ip-range", prefix_of(v6->at(0), 80).str(),
                                     "--gateway", v6->at(0xff * kV6Block + 1).str()});
        return create_network(network, args, mode, parent);
    }

    DockerResult create_network(const std::string& network, std::vector<std::string> args,
                                std::optional<MacvlanMode> mode, const std::string& parent) {
        args.insert(args.end(), {"--opt", "parent=" + parent});
        if (mode) args.insert(args.end(), {"--opt", "macvlan_mode=" + std::string(to_string(*mode))});
        args.push_back(network);
        objects->add_network(network);
        return engine->run(args);
    }

    static std::string owner_label() { return std::string(kDockerOwnerLabel) + "=" + docker_owner_tag(); }

    static std::vector<std::string> container_run(const std::string& container, const std::string& network,
                                                  const std::string& image) {
        // No --rm: the engine's own removal at exit would race with the guard's `docker rm`. Should
        // this process die, the next run removes the container (remove_leftovers_of_dead_runs).
        return {"container", "run", "--detach", "--name", container, "--label", owner_label(), "--network", network,
                "--log-driver", "none", image, "/bin/busybox", "sleep", "1800"};
    }

    DockerResult run_container(const std::string& container, const std::string& network) {
        objects->add_container(container);
        return engine->run(container_run(container, network, test_image(*engine)));
    }

    // Starts the containers at once (each start takes the engine a second or two) and opens each
    // one's network namespace.
    void start_containers(const std::string& network, const std::vector<Endpoint>& endpoints) {
        const std::string image = test_image(*engine);
        std::vector<std::future<DockerResult>> started;
        for (auto e : endpoints) {
            const std::string container = name(std::string(to_string(e)));
            objects->add_container(container);  // here, not in the threads: the guard is not shared
            started.push_back(std::async(std::launch::async, [this, container, network, image] {
                return engine->run(container_run(container, network, image));
            }));
        }
        for (auto& f : started)
            if (auto r = f.get(); !r.ok()) throw DockerError(r);
        for (auto e : endpoints) containers[e] = inspect(name(std::string(to_string(e))), network);
    }

    std::unique_ptr<Container> inspect(const std::string& container, const std::string& network) {
        const json info = json::parse(engine->check({"container", "inspect", container})).at(0);
        auto c = std::make_unique<Container>();
        c->name = container;
        c->pid = info.at("State").at("Pid").get<int>();
        if (c->pid <= 0) throw std::runtime_error(container + " is not running");
        const json& net = info.at("NetworkSettings").at("Networks").at(network);
        if (const auto a = net.value("IPAddress", ""); !a.empty()) c->v4 = IpAddress::parse(a);
        if (const auto a = net.value("GlobalIPv6Address", ""); !a.empty()) c->v6 = IpAddress::parse(a);
        c->mac = net.value("MacAddress", "");
        // The container's own namespace, reached through its init process: what Docker built,
        // seen by the kernel and probed from inside.
        c->ns = NetNamespace::open("/proc/" + std::to_string(c->pid) + "/ns/net");
        c->nl = std::make_unique<Rtnl>(*c->ns);
        for (const auto& l : c->nl->links())
            if (l.kind == "macvlan") c->ifindex = l.ifindex;
        if (!c->ifindex) throw std::runtime_error(container + " has no macvlan interface");
        const unsigned retransmit = defaults::kNeighbourRetransmitMs;
        if (c->v4) c->nl->set_neighbour_retransmit(c->ifindex, Family::ipv4, retransmit);
        if (c->v6) c->nl->set_neighbour_retransmit(c->ifindex, Family::ipv6, retransmit);
        return c;
    }

    // Links up with carrier (watched on RTNLGRP_LINK), and no container address still tentative.
    void wait_until_ready(const std::vector<std::pair<Rtnl*, int>>& machine_and_ext_links) {
        std::vector<const NetNamespace*> namespaces{&lab->machine, &lab->ext};
        for (auto& [e, c] : containers) namespaces.push_back(&*c->ns);
        LinkEvents events(namespaces);
        auto up = [](const LinkInfo& l) {
            return l.up() && l.carrier && (l.oper_up() || l.operstate == IF_OPER_UNKNOWN);
        };
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
                if (std::chrono::steady_clock::now() > deadline)
                    throw NotReady(c->name + " still has a tentative address");
                std::this_thread::sleep_for(10ms);
            }
    }

    std::vector<Family> families() const {
        if (v6) return {Family::ipv4, Family::ipv6};
        return {Family::ipv4};
    }

    // Probes every cell of `spec` (host = the machine's namespace on `host_if`, ext = the peer's
    // side on `ext_if`, c1/c2 = the containers) and compares each with context.expectations, the
    // data the kernel suite is held to.
    //
    // The containers have one address per family each (Docker's), so cells that share one are kept
    // apart: first every cell from host or ext (and c1->c2), then, with the containers' and ext's
    // neighbour caches flushed, every cell from a container. That order is the safe one: a container
    // whose request reached X would teach X its address, and X->container could then go out as
    // unicast without the broadcast the verdict is about.
    void measure(MacvlanMode mode, const TopologySpec& spec, int host_if, int ext_if) {
        const auto& context = suite_context();
        const EchoSchedule cells = suite_context().cell_schedule;
        AddressSource host(*lab->machine_nl, host_if, v4, v6, kHostFirst, kHostLast, 1 * kV6Block);
        AddressSource ext(*lab->ext_nl, ext_if, v4, v6, kExtFirst, kExtLast, 2 * kV6Block);
        const std::map<Endpoint, const NetNamespace*> where{{Endpoint::host, &lab->machine},
                                                            {Endpoint::ext, &lab->ext}};
        auto ns_of = [&](Endpoint e) { return where.count(e) ? where.at(e) : &*containers.at(e)->ns; };
        auto address_of = [&](Endpoint e, Family f) {
            if (e == Endpoint::host) return host.take(f);
            if (e == Endpoint::ext) return ext.take(f);
            return containers.at(e)->address(f);
        };

        std::vector<EchoProbe> controls;
        std::vector<std::string> control_names;
        std::vector<CellId> round1, round2;
        std::vector<EchoProbe> probes1, probes2;
        for (auto f : families()) {
            for (const auto& c : spec.controls) {
                controls.push_back({ns_of(c.from), address_of(c.from, f), address_of(c.to, f)});
                control_names.push_back(std::string(to_string(c.from)) + "->" + std::string(to_string(c.to)) + " (" +
                                        std::string(to_string(f)) + ")");
            }
            for (auto from : spec.endpoints())
                for (auto to : spec.endpoints()) {
                    if (from == to) continue;
                    const CellId cell{mode, spec.variant.name, f, from, to};
                    const EchoProbe probe{ns_of(from), address_of(from, f), address_of(to, f)};
                    const bool first = from == Endpoint::host || from == Endpoint::ext ||
                                       (from == Endpoint::c1 && to == Endpoint::c2);
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
            if (!silent.empty())
                throw NotReady(std::string("controls silent ") + when + " the probes: " + join(silent, ", "));
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
        auto judge = [&](const std::vector<CellId>& cells, const std::vector<EchoResult>& results) {
            for (size_t i = 0; i < cells.size(); ++i) {
                const CellId& cell = cells[i];
                const Reach seen = results[i].replied ? Reach::reachable : Reach::blocked;
                const Expectation& expected = context.expectations.at(cell);
                observed[cell.family] += std::string(observed[cell.family].empty() ? "" : " ") +
                                         std::string(to_string(cell.from)) + ">" + std::string(to_string(cell.to)) +
                                         ":" + std::string(to_string(seen));
                if (seen != expected.expected)
                    ADD_FAILURE() << cell.name() << " through Docker's macvlan driver: expected "
                                  << to_string(expected.expected) << ", observed " << to_string(seen)
                                  << "\n  expectation (" << context.expectations.file().filename().string()
                                  << "): " << expected.reason;
            }
        };
        judge(round1, results1);
        judge(round2, results2);
        for (const auto& [f, text] : observed) RecordProperty("observed_" + std::string(to_string(f)), text);
        if (!v6) RecordProperty("ipv6", "not measured: " + v6_missing);
        RecordProperty("probe_seconds", std::to_string(seconds));
    }

    // The kernel's view of what Docker asked for: IFLA_MACVLAN_MODE of each container's macvlan.
    void expect_kernel_mode(MacvlanMode mode) {
        for (auto& [e, c] : containers)
            EXPECT_EQ(macvlan_info(*c->nl, c->ifindex).mode, static_cast<uint32_t>(mode))
                << c->name << "'s macvlan is not in mode " << to_string(mode);
    }

    const TopologySpec& plain(MacvlanMode mode) const {
        const TopologySpec* spec = suite_context().catalog.find(mode, "plain");
        if (!spec) throw std::logic_error("the topology catalog has no " + std::string(to_string(mode)) + ".plain");
        return *spec;
    }

    // One mode end to end: a network in that mode, a container per slave of the kernel suite's
    // topology, the kernel's mode checked, the matrix compared.
    void mode_matches_the_kernel_suite(MacvlanMode mode) {
        const auto& spec = plain(mode);
        const std::string network = name("net");
        const DockerResult created = create_lan_network(network, mode, lab->parent_name);
        ASSERT_TRUE(created.ok()) << created.summary();
        start_containers(network, spec.slaves);
        expect_kernel_mode(mode);
        measure(mode, spec, lab->parent, lab->peer);
    }

    const DockerEngine* engine = nullptr;
    unsigned serial_ = 0;
    IpPrefix v4;
    std::optional<IpPrefix> v6;
    std::string v6_missing;
    // Declared in the order they are built; destroyed in reverse: containers' namespace handles,
    // then Docker's objects, then the parent.
    std::unique_ptr<DockerLab> lab;
    std::unique_ptr<DockerObjects> objects;
    std::map<Endpoint, std::unique_ptr<Container>> containers;
};

// --- gateway validation ------------------------------------------------------------------------------

// The field note's first error: a gateway outside --subnet is refused before anything is created
// (docker/cli cli/command/network/create.go, consolidateIpam: "no matching subnet for gateway"),
// and the same command with a subnet that contains the gateway is accepted as given. Scaled down
// from the note's 172.25.20.0/24 with gateway 172.25.23.254: <lan>.0/25 with <lan>.254, then
// <lan>.128/25.
TEST_F(DockerMacvlan, GatewayOutsideTheSubnetIsRefused) {
    const IpAddress gateway = v4.at(kGatewayV4);
    const IpPrefix outside = prefix_of(v4.at(0), 25), corrected = prefix_of(v4.at(128), 25);
    const std::string network = name("gw");
    const std::vector<std::string> base{"network", "create", "--driver", "macvlan", "--label", owner_label(),
                                        "--gateway", gateway.str()};
    auto with_subnet = [&](const IpPrefix& subnet) {
        auto args = base;
        args.insert(args.end(), {"--subnet", subnet.str()});
        return args;
    };

    const DockerResult refused = create_network(network, with_subnet(outside), std::nullopt, lab->parent_name);
    RecordProperty("refusal", refused.summary());
    EXPECT_FALSE(refused.ok()) << "a gateway outside the subnet was accepted: " << refused.command();
    EXPECT_TRUE(contains(refused.err, "no matching subnet for gateway " + gateway.str())) << refused.summary();
    EXPECT_FALSE(engine->run({"network", "inspect", network}).ok()) << "the refused network exists anyway";

    const DockerResult accepted = create_network(network, with_subnet(corrected), std::nullopt, lab->parent_name);
    ASSERT_TRUE(accepted.ok()) << accepted.summary();
    const json info = json::parse(engine->check({"network", "inspect", network})).at(0);
    EXPECT_EQ(info.at("Driver"), "macvlan");
    ASSERT_EQ(info.at("IPAM").at("Config").size(), 1u) << info.dump();
    EXPECT_EQ(info.at("IPAM").at("Config").at(0).value("Subnet", ""), corrected.str());
    EXPECT_EQ(info.at("IPAM").at("Config").at(0).value("Gateway", ""), gateway.str());
    EXPECT_EQ(info.at("Options").value("parent", ""), lab->parent_name);
}

// --- the modes ----------------------------------------------------------------------------------------

// The field note's scenario. Docker's default mode is bridge (moby libnetwork/drivers/macvlan/
// macvlan_network.go, CreateNetwork: an empty macvlan_mode becomes "bridge"). The containers get
// addresses in the subnet from Docker's IPAM, reach each other (macvlan_queue_xmit switches between
// bridge-mode slaves), reach the outside (macvlan_handle_frame), and cannot reach the host nor be
// reached by it (the parent's own frames never enter macvlan code): every cell of
// reachability.bridge.plain, as the kernel suite measures it.
TEST_F(DockerMacvlan, DefaultModeIsBridgeAndMatchesTheKernelSuite) {
    const std::string network = name("net");
    const DockerResult created = create_lan_network(network, std::nullopt, lab->parent_name);
    ASSERT_TRUE(created.ok()) << created.summary();
    const auto& spec = plain(MacvlanMode::bridge);
    start_containers(network, spec.slaves);

    const IpPrefix range = prefix_of(v4.at(0), 25);
    for (auto& [e, c] : containers) {
        ASSERT_TRUE(c->v4.has_value()) << c->name << " got no IPv4 address";
        EXPECT_TRUE(v4.contains(*c->v4) && range.contains(*c->v4))
            << c->name << " got " << c->v4->str() << ", outside " << range.str() << " of " << v4.str();
        if (v6) {
            ASSERT_TRUE(c->v6.has_value()) << c->name << " got no IPv6 address";
            EXPECT_TRUE(v6->contains(*c->v6)) << c->name << " got " << c->v6->str() << ", outside " << v6->str();
        }
        bool in_kernel = false;
        for (const auto& a : c->nl->addresses())
            if (a.ifindex == c->ifindex && a.address.rfind(c->v4->str() + "/", 0) == 0) in_kernel = true;
        EXPECT_TRUE(in_kernel) << "Docker reports " << c->v4->str() << " for " << c->name
                               << ", but its macvlan does not carry it";
    }
    RecordProperty("containers",
                   containers.at(Endpoint::c1)->v4->str() + ", " + containers.at(Endpoint::c2)->v4->str());
    expect_kernel_mode(MacvlanMode::bridge);
    measure(MacvlanMode::bridge, spec, lab->parent, lab->peer);
}

// -o macvlan_mode=vepa: Docker passes the mode to the kernel (moby libnetwork/drivers/macvlan/
// macvlan_setup.go, setMacVlanMode), and the matrix is the kernel suite's vepa.plain: no switching
// between slaves without a hairpin switch (macvlan_queue_xmit sends everything to the wire).
TEST_F(DockerMacvlan, VepaModeMatchesTheKernelSuite) {
    mode_matches_the_kernel_suite(MacvlanMode::vepa);
}

// -o macvlan_mode=private: the kernel suite's private.plain (macvlan_queue_xmit never switches
// locally; macvlan_handle_frame drops frames a private slave sent, should they come back).
TEST_F(DockerMacvlan, PrivateModeMatchesTheKernelSuite) {
    mode_matches_the_kernel_suite(MacvlanMode::private_);
}

// -o macvlan_mode=passthru: the kernel suite's passthru.plain with its one slave (the parent loses
// its unicast traffic to the slave, macvlan_handle_frame). A second container on the network is
// refused by the kernel, "Only 1 macvlan device can be created in passthru mode"
// (macvlan_common_newlink, EINVAL), which Docker reports when it starts the container ("failed to
// create the macvlan port", moby libnetwork/drivers/macvlan/macvlan_setup.go, createMacVlan).
TEST_F(DockerMacvlan, PassthruModeMatchesTheKernelSuiteAndTakesOneContainer) {
    mode_matches_the_kernel_suite(MacvlanMode::passthru);
    if (HasFatalFailure()) return;
    const DockerResult second = run_container(name("second"), name("net"));
    RecordProperty("second_container", second.summary());
    EXPECT_FALSE(second.ok()) << "a second container started on a passthru network";
    EXPECT_TRUE(contains(second.err, "invalid argument")) << "expected the kernel's EINVAL: " << second.summary();
}

// --- one network per parent ---------------------------------------------------------------------------

// moby libnetwork/drivers/macvlan/macvlan_network.go, createNetwork: before Docker Engine 27.0 a
// parent carries one macvlan network ("network ... is already using parent interface"); from 27.0
// (moby#47318) any number, unless one of them is passthru (the kernel's one slave per passthru port).
// Networks with disjoint subnets, so only the parent rule can refuse them.
TEST_F(DockerMacvlan, OneNetworkPerParentFollowsTheEngineVersion) {
    const bool shared = engine->server_release().first >= 27;
    const std::string rule =
        std::string(shared ? "shared parents (engine >= 27.0)" : "one network per parent (engine < 27.0)") +
        ": engine " + engine->server_version();
    RecordProperty("one_network_per_parent_rule", rule);
    const IpPrefix low = prefix_of(v4.at(0), 25), high = prefix_of(v4.at(128), 25);
    auto create = [&](const std::string& network, const IpPrefix& subnet, MacvlanMode mode) {
        return create_network(network,
                              {"network", "create", "--driver", "macvlan", "--label", owner_label(), "--subnet",
                               subnet.str()},
                              mode, lab->parent_name);
    };
    auto expect_refused = [&](const DockerResult& r, const std::string& network, const std::string& what) {
        EXPECT_FALSE(r.ok()) << what << " was accepted (" << rule << ")";
        EXPECT_TRUE(contains(r.err, "already using parent interface")) << what << ": " << r.summary();
        EXPECT_FALSE(engine->run({"network", "inspect", network}).ok()) << "the refused " << network << " exists";
    };

    const DockerResult first = create(name("a"), low, MacvlanMode::bridge);
    ASSERT_TRUE(first.ok()) << first.summary();
    const DockerResult second = create(name("b"), high, MacvlanMode::bridge);
    if (shared) {
        EXPECT_TRUE(second.ok()) << "a second bridge network on the parent (" << rule << "): " << second.summary();
        EXPECT_EQ(objects->remove_network(name("b")), "");
    } else {
        expect_refused(second, name("b"), "a second bridge network on the same parent");
    }
    expect_refused(create(name("c"), high, MacvlanMode::passthru), name("c"),
                   "a passthru network on a parent that has a bridge network");

    ASSERT_EQ(objects->remove_network(name("a")), "");
    const DockerResult passthru = create(name("p"), low, MacvlanMode::passthru);
    ASSERT_TRUE(passthru.ok()) << passthru.summary();
    expect_refused(create(name("d"), high, MacvlanMode::bridge), name("d"),
                   "a bridge network on a parent that has a passthru network");
}

// --- the host shim ------------------------------------------------------------------------------------

// The usual workaround for the note's "the host cannot reach its containers": a bridge-mode
// macvlan of the host on the same parent, with a /32 (/128) address and a route for the containers'
// range through it. It is a bridge-mode slave like the containers, so macvlan_queue_xmit and
// macvlan_broadcast switch between them locally in both directions. Shown here, then removed.
TEST_F(DockerMacvlan, HostShimRestoresHostToContainerReachability) {
    const std::string network = name("net");
    const DockerResult created = create_lan_network(network, std::nullopt, lab->parent_name);
    ASSERT_TRUE(created.ok()) << created.summary();
    start_containers(network, {Endpoint::c1, Endpoint::c2});
    auto& nl = *lab->machine_nl;
    AddressSource host(nl, lab->parent, v4, v6, kHostFirst, kHostLast, 1 * kV6Block);
    AddressSource ext(*lab->ext_nl, lab->peer, v4, v6, kExtFirst, kExtLast, 2 * kV6Block);
    wait_until_ready({{lab->machine_nl.get(), lab->parent}, {lab->ext_nl.get(), lab->peer}});
    const EchoSchedule cells = suite_context().cell_schedule;
    const EchoSchedule until_answered{cells.resend_interval, kReadyTimeout};

    // Before: the field note's isolation (host and containers probed in both directions, host
    // first for the reason given in measure()), with ext->container as the positive control.
    std::vector<EchoProbe> controls, from_host, to_host;
    std::vector<std::string> labels;
    for (auto f : families())
        for (auto& [e, c] : containers) {
            controls.push_back({&lab->ext, ext.take(f), c->address(f)});
            from_host.push_back({&lab->machine, host.take(f), c->address(f)});
            to_host.push_back({&*c->ns, c->address(f), host.take(f)});
            labels.push_back(std::string(to_string(e)) + " (" + std::string(to_string(f)) + ")");
        }
    for (const auto& r : run_echo_probes(controls, until_answered))
        ASSERT_TRUE(r.replied) << "control: ext does not reach the containers";
    const auto before_from = run_echo_probes(from_host, cells);
    const auto before_to = run_echo_probes(to_host, cells);
    for (const auto& r : run_echo_probes(controls, until_answered))
        ASSERT_TRUE(r.replied) << "control: ext stopped reaching the containers";
    for (size_t i = 0; i < labels.size(); ++i) {
        EXPECT_FALSE(before_from[i].replied) << "without the shim, host->" << labels[i] << " is reachable";
        EXPECT_FALSE(before_to[i].replied) << "without the shim, " << labels[i] << "->host is reachable";
    }

    // The shim: `ip link add <shim> link <parent> type macvlan mode bridge`, a host address, a route.
    char shim_name[IFNAMSIZ];
    std::snprintf(shim_name, sizeof shim_name, "mvs%xn%02x", static_cast<unsigned>(::getpid()) & 0xffffff,
                  serial_ & 0xff);
    MacvlanSpec spec;
    spec.name = shim_name;
    spec.lower_ifindex = lab->parent;
    spec.mode = MacvlanMode::bridge;
    spec.mac = MacAddress::local(0x42, static_cast<uint8_t>(serial_));
    create_macvlan(nl, spec);
    MachineLink shim(nl, shim_name, nl.link(shim_name).ifindex);
    DockerLab::prepare(nl, shim.ifindex());
    std::map<Family, IpAddress> shim_address{{Family::ipv4, v4.at(kShimV4)}};
    nl.add_address(shim.ifindex(), shim_address.at(Family::ipv4), 32);
    std::vector<std::unique_ptr<DeviceRoute>> routes;
    routes.push_back(std::make_unique<DeviceRoute>(nl, prefix_of(v4.at(0), 25), shim.ifindex()));
    if (v6) {
        shim_address.emplace(Family::ipv6, v6->at(3 * kV6Block + 1));
        nl.add_address(shim.ifindex(), shim_address.at(Family::ipv6), 128);
        routes.push_back(std::make_unique<DeviceRoute>(nl, prefix_of(v6->at(0), 80), shim.ifindex()));
    }
    LinkEvents events(lab->machine);
    ASSERT_TRUE(events.wait_until(
        [&] {
            const auto l = nl.link(shim.ifindex());
            return l.up() && l.carrier;
        },
        std::chrono::milliseconds(kReadyTimeout)))
        << "the shim never came up";

    std::vector<EchoProbe> through_shim;
    std::vector<std::string> shim_labels;
    for (auto f : families())
        for (auto& [e, c] : containers) {
            through_shim.push_back({&lab->machine, shim_address.at(f), c->address(f)});
            shim_labels.push_back("host->" + std::string(to_string(e)) + " (" + std::string(to_string(f)) + ")");
            through_shim.push_back({&*c->ns, c->address(f), shim_address.at(f)});
            shim_labels.push_back(std::string(to_string(e)) + "->host (" + std::string(to_string(f)) + ")");
        }
    const auto after = run_echo_probes(through_shim, until_answered);
    std::vector<std::string> reached;
    for (size_t i = 0; i < after.size(); ++i) {
        EXPECT_TRUE(after[i].replied) << "with the shim, " << shim_labels[i] << " is still blocked";
        if (after[i].replied) reached.push_back(shim_labels[i]);
    }
    RecordProperty("through_the_shim", join(reached, ", "));

    // Removed again: routes, then the link; nothing of it may remain in the machine's routes.
    const int shim_ifindex = shim.ifindex();
    for (auto& r : routes) EXPECT_EQ(r->remove(), "");
    EXPECT_EQ(shim.remove(), "");
    for (const auto& r : dump_routes(nl)) {
        EXPECT_NE(r.ifindex, shim_ifindex) << "a route through the removed shim remains: " << r.destination.str();
        for (const auto& mine : routes)
            EXPECT_FALSE(r.destination == mine->destination()) << "route " << r.destination.str() << " remains";
    }
}

// --- 802.1Q sub-interface parents ---------------------------------------------------------------------

// parent=<if>.10: Docker creates the VLAN sub-interface itself and deletes it with the network
// (moby libnetwork/drivers/macvlan/macvlan_setup.go, createVlanLink / delVlanLink). Behind it the
// slaves behave as on any parent: the kernel suite's bridge matrix for that parent.
class DockerMacvlanVlan : public DockerMacvlan {
protected:
    FeatureList needs() const override { return {&Capabilities::vlan_8021q}; }
};

TEST_F(DockerMacvlanVlan, SubInterfaceParentIsCreatedAndRemovedByDocker) {
    const std::string vlan_parent = lab->parent_name + "." + std::to_string(kVlanId);
    const std::string network = name("net");
    const DockerResult created = create_lan_network(network, std::nullopt, vlan_parent);
    ASSERT_TRUE(created.ok()) << created.summary();
    const auto made = lab->machine_nl->find_link(vlan_parent);
    ASSERT_TRUE(made.has_value()) << "Docker did not create " << vlan_parent;
    EXPECT_EQ(made->kind, "vlan");
    EXPECT_EQ(made->lower_ifindex, lab->parent);

    // Docker makes the host's side of the VLAN itself; ext's side is ours.
    const int ext_vlan = lab->ext_nl->create_vlan("peer." + std::to_string(kVlanId), lab->peer, kVlanId,
                                                  MacAddress::local(0x61, 1));
    DockerLab::prepare(*lab->ext_nl, ext_vlan);
    // Docker brought its sub-interface up already; only the neighbour timing is the test's.
    DockerLab::prepare(*lab->machine_nl, made->ifindex, false);
    const TopologySpec* spec = suite_context().catalog.find(MacvlanMode::bridge, "vlan");
    if (!spec) spec = &plain(MacvlanMode::bridge);
    start_containers(network, spec->slaves);
    expect_kernel_mode(MacvlanMode::bridge);
    measure(MacvlanMode::bridge, *spec, made->ifindex, ext_vlan);

    containers.clear();
    ASSERT_EQ(objects->remove_all(), std::vector<std::string>{});
    EXPECT_FALSE(lab->machine_nl->find_link(vlan_parent).has_value()) << "Docker left " << vlan_parent << " behind";
}

}  // namespace
}  // namespace mvc
