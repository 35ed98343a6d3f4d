// SPDX-License-Identifier: MIT
#include "cni_fixture.hpp"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <thread>

#include "engine_lab.hpp"
#include "fixed_address_matrix.hpp"
#include "link_events.hpp"
#include "macvlan_link.hpp"
#include "probe_defaults.hpp"
#include "suite_context.hpp"
#include "topology.hpp"

namespace mvc {

using namespace std::chrono_literals;
using nlohmann::json;

namespace {
constexpr auto kReadyTimeout = 5s;
// Inside the lab's /24 (and /64): the pods' host-local range, then the master's and ext's own
// addresses (a fresh one per cell, as in the engine suite), and a gateway nobody owns.
constexpr unsigned long long kPodFirst = 10, kPodLast = 29, kGateway = 1;
constexpr unsigned long long kHostFirst = 129, kHostLast = 169, kExtFirst = 170, kExtLast = 229;
constexpr unsigned long long kV6Block = 1ULL << 48;
}  // namespace

const IpAddress& CniPodState::address(Family f) const {
    if (result)
        for (const auto& ip : result->ips)
            if (ip.address.family() == f) return ip.address;
    throw std::runtime_error(pod.container_id + " got no " + std::string(to_string(f)) + " address from the plugin");
}

void CniMacvlan::prepare() {
    for (const auto& l : lab->host_nl->links()) links_at_start.insert(l.ifindex);
    std::string why;
    const auto found = find_cni_plugins(&why);
    if (!found) GTEST_SKIP() << why;
    plugins = *found;
    static bool swept = false;
    if (!std::exchange(swept, true))
        for (const auto& line : remove_scratch_of_dead_runs())
            std::cerr << "macvlan-conformance: removed a CNI scratch directory of a run that died: " << line << "\n";
    scratch = std::make_unique<CniScratch>();
    RecordProperty("cni_plugins", plugins.string());
    RecordProperty("cni_scratch", scratch->describe());
    if (suite_context().capabilities.ipv6.present) v6 = IpPrefix::parse("2001:db8:c17::/64");
    static unsigned serial = 0;
    serial_ = ++serial;
    for (auto [nl, ifindex] : {std::pair{lab->host_nl.get(), lab->parent}, std::pair{lab->ext_nl.get(), lab->peer}}) {
        nl->set_neighbour_retransmit(ifindex, Family::ipv4, defaults::kNeighbourRetransmitMs);
        nl->set_neighbour_retransmit(ifindex, Family::ipv6, defaults::kNeighbourRetransmitMs);
    }
}

void CniMacvlan::TearDown() {
    pods.clear();     // the pods' namespaces, and with them anything the plugin left inside
    scratch.reset();  // the leases and cache entries, whatever DEL did
    LabTest::TearDown();
}

std::vector<Family> CniMacvlan::families() const {
    if (v6) return {Family::ipv4, Family::ipv6};
    return {Family::ipv4};
}

json CniMacvlan::config(std::optional<std::string> mode, std::optional<std::string> master,
                        std::optional<unsigned> mtu) const {
    json ranges = json::array();
    ranges.push_back(json::array({{{"subnet", v4.str()},
                                   {"rangeStart", v4.at(kPodFirst).str()},
                                   {"rangeEnd", v4.at(kPodLast).str()},
                                   {"gateway", v4.at(kGateway).str()}}}));
    json routes = json::array({{{"dst", "198.51.100.0/24"}, {"gw", v4.at(kGateway).str()}}});
    if (v6) {
        ranges.push_back(json::array({{{"subnet", v6->str()},
                                       {"rangeStart", v6->at(kPodFirst).str()},
                                       {"rangeEnd", v6->at(kPodLast).str()},
                                       {"gateway", v6->at(kGateway).str()}}}));
        routes.push_back({{"dst", "2001:db8:ffff::/64"}, {"gw", v6->at(kGateway).str()}});
    }
    json c{{"cniVersion", "1.0.0"},
           {"name", "mvc-cni-" + std::to_string(::getpid()) + "-" + std::to_string(serial_)},
           {"type", "macvlan"},
           {"master", master.value_or(lab->parent_link().name)},
           {"ipam", {{"type", "host-local"}, {"dataDir", (scratch->path() / "ipam").string()}, {"ranges", ranges}, {"routes", routes}}}};
    if (mode) c["mode"] = *mode;
    if (mtu) c["mtu"] = *mtu;
    return c;
}

std::unique_ptr<CniNetwork> CniMacvlan::network(const json& c) const {
    return std::make_unique<CniNetwork>(CniPlugin(plugins, "macvlan"), c, scratch->path() / "cache", &lab->host);
}

std::vector<std::string> CniPodState::links_added() const {
    std::vector<std::string> out;
    for (const auto& l : nl->links())
        if (!links_at_start.contains(l.ifindex)) out.push_back(l.name);
    return out;
}

CniPodState& CniMacvlan::pod(const Endpoint& e) {
    auto& p = pods[e];
    if (!p) {
        p = std::make_unique<CniPodState>(CniPodState{NetNamespace::create(), nullptr, {}, std::nullopt, 0, {}});
        p->nl = std::make_unique<Rtnl>(p->ns);
        for (const auto& l : p->nl->links()) p->links_at_start.insert(l.ifindex);
        p->pod.container_id = "mvc-" + std::to_string(::getpid()) + "-" + std::to_string(serial_) + "-" + e;
        // The namespace as the runtime names it: through this process's descriptor, which is the
        // only thing that holds it.
        p->pod.netns = "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(p->ns.fd());
        p->pod.ifname = kIfname;
    }
    return *p;
}

CniOutcome CniMacvlan::add(CniNetwork& net, const Endpoint& e) {
    auto& p = pod(e);
    const CniOutcome outcome = net.add(p.pod, &p.result);
    if (!outcome.ok()) return outcome;
    if (const auto link = p.nl->find_link(kIfname)) {
        p.ifindex = link->ifindex;
        p.nl->set_neighbour_retransmit(p.ifindex, Family::ipv4, defaults::kNeighbourRetransmitMs);
        p.nl->set_neighbour_retransmit(p.ifindex, Family::ipv6, defaults::kNeighbourRetransmitMs);
    }
    return outcome;
}

std::vector<std::string> CniMacvlan::leases(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& f : scratch->files(std::filesystem::path("ipam") / name))
        if (f != "lock" && f.rfind("last_reserved_ip.", 0) != 0) out.push_back(f);
    return out;
}

std::vector<std::string> CniMacvlan::cache_entries() const { return scratch->files("cache"); }

std::vector<std::string> CniMacvlan::stray_master_links() const {
    std::vector<std::string> out;
    for (const auto& l : lab->host_nl->links())
        if (!links_at_start.contains(l.ifindex)) out.push_back(l.name + " (" + l.kind + ")");
    return out;
}

void CniMacvlan::expect_result_matches_the_link(const CniNetwork& net, const Endpoint& e, MacvlanMode mode) {
    auto& p = pod(e);
    ASSERT_TRUE(p.result.has_value());
    const CniResult& r = *p.result;
    EXPECT_EQ(r.cni_version, "1.0.0");
    const CniResult::Interface& iface = r.pod_interface(kIfname);
    EXPECT_EQ(iface.sandbox, p.pod.netns) << "the result's sandbox is not the pod's namespace";
    ASSERT_NE(p.ifindex, 0) << "the result names " << kIfname << ", but the pod has no such link";
    const LinkInfo link = p.nl->link(p.ifindex);
    EXPECT_EQ(link.kind, "macvlan");
    const MacvlanInfo info = macvlan_info(*p.nl, p.ifindex);
    EXPECT_EQ(info.mode, static_cast<uint32_t>(mode)) << "the pod's macvlan is not in mode " << to_string(mode);
    EXPECT_EQ(info.lower_ifindex, lab->parent) << "the pod's macvlan is not on the master";
    EXPECT_TRUE(link.lower_in_other_namespace) << "the master should be in another namespace than the pod";
    EXPECT_EQ(link.mtu, net.config().value("mtu", 0u)) << "the configured MTU";
    EXPECT_EQ(link.mac.str(), MacAddress::parse(iface.mac).str()) << "the result's MAC is not the link's";
    // A passthru slave takes its lower device's address (macvlan_common_newlink, eth_hw_addr_inherit).
    if (mode == MacvlanMode::passthru) {
        EXPECT_EQ(link.mac.str(), lab->parent_link().mac.str()) << "a passthru slave has the master's MAC";
    }

    std::vector<std::string> on_link;
    for (const auto& a : p.nl->addresses()) {
        if (a.ifindex != p.ifindex || a.address.rfind("fe80:", 0) == 0) continue;
        on_link.push_back(a.address);
        EXPECT_FALSE(a.flags & IFA_F_TENTATIVE) << a.address << " is still tentative after ADD returned";
    }
    std::vector<std::string> in_result;
    for (const auto& ip : r.ips) {
        in_result.push_back(ip.address.str() + "/" + std::to_string(ip.prefix_length));
        const IpPrefix& subnet = ip.address.family() == Family::ipv4 ? v4 : *v6;
        EXPECT_EQ(ip.prefix_length, subnet.length) << in_result.back();
        EXPECT_TRUE(subnet.contains(ip.address)) << in_result.back() << " is outside " << subnet.str();
        EXPECT_TRUE(ip.gateway && *ip.gateway == subnet.at(kGateway)) << in_result.back() << ": the range's gateway";
        const auto leased = leases(net.name());
        EXPECT_NE(std::find(leased.begin(), leased.end(), ip.address.str()), leased.end())
            << "host-local holds no lease file for " << ip.address.str();
        std::ifstream lease(scratch->path() / "ipam" / net.name() / ip.address.str());
        std::stringstream text;
        text << lease.rdbuf();
        EXPECT_NE(text.str().find(p.pod.container_id), std::string::npos) << "the lease of " << ip.address.str()
                                                                          << " names another owner: " << text.str();
    }
    std::sort(on_link.begin(), on_link.end());
    std::sort(in_result.begin(), in_result.end());
    EXPECT_EQ(on_link, in_result) << "the link's addresses are not the result's";
    EXPECT_EQ(r.ips.size(), families().size()) << "one address per family";

    const auto routes = dump_routes(*p.nl);
    EXPECT_EQ(r.routes.size(), families().size()) << r.text;
    for (const auto& want : r.routes) {
        const IpPrefix dst{want.destination, want.prefix_length};
        const bool found = std::any_of(routes.begin(), routes.end(), [&](const RouteEntry& have) {
            return have.destination == dst && have.ifindex == p.ifindex && have.gateway.has_value() == want.gateway.has_value() &&
                   (!want.gateway || *have.gateway == *want.gateway);
        });
        EXPECT_TRUE(found) << "the result's route " << dst.str() << (want.gateway ? " via " + want.gateway->str() : "")
                           << " is not in the pod's routing table";
    }
}

void CniMacvlan::measure(MacvlanMode mode) {
    const auto& context = suite_context();
    const TopologySpec* spec = context.catalog.find(to_string(mode), "plain");
    if (!spec) throw std::logic_error("the topology catalog has no " + std::string(to_string(mode)) + ".plain");
    AddressSource host(*lab->host_nl, lab->parent, v4, v6, kHostFirst, kHostLast, 1 * kV6Block);
    AddressSource ext(*lab->ext_nl, lab->peer, v4, v6, kExtFirst, kExtLast, 2 * kV6Block);
    FixedAddressMatrix matrix;
    matrix.spec = spec;
    matrix.families = families();
    matrix.through = "through the CNI macvlan plugin";
    matrix.endpoints[kHost] = {&lab->host, lab->host_nl.get(), lab->parent, [&](Family f) { return host.take(f); }};
    matrix.endpoints[kExt] = {&lab->ext, lab->ext_nl.get(), lab->peer, [&](Family f) { return ext.take(f); }};
    for (const auto& s : spec->slaves) {
        const CniPodState* p = &pod(s.name);
        matrix.endpoints[s.name] = {&p->ns, p->nl.get(), p->ifindex, [p](Family f) { return p->address(f); }};
    }
    matrix.wait_until_ready = [&] {
        std::vector<const NetNamespace*> namespaces{&lab->host, &lab->ext};
        for (const auto& s : spec->slaves) namespaces.push_back(&pod(s.name).ns);
        LinkEvents events(namespaces);
        auto up = [](const LinkInfo& l) { return l.up() && l.carrier && (l.oper_up() || l.operstate == IF_OPER_UNKNOWN); };
        const bool ready = events.wait_until(
            [&] {
                if (!up(lab->host_nl->link(lab->parent)) || !up(lab->ext_nl->link(lab->peer))) return false;
                for (const auto& s : spec->slaves)
                    if (!up(pod(s.name).nl->link(pod(s.name).ifindex))) return false;
                return true;
            },
            std::chrono::milliseconds(kReadyTimeout));
        if (!ready) throw NotReady("the master, its peer or a pod's macvlan never came up");
    };
    const auto m = measure_fixed_address_matrix(matrix, context.cell_schedule, kReadyTimeout);
    for (const auto& [f, text] : m.observed) RecordProperty("observed_" + std::string(to_string(f)), text);
    RecordProperty("probe_seconds", std::to_string(m.probe_seconds));
}

void CniMacvlan::expect_deleted(CniNetwork& net, const Endpoint& e) {
    auto& p = pod(e);
    const CniOutcome deleted = net.del(p.pod);
    EXPECT_TRUE(deleted.ok()) << deleted.summary();
    EXPECT_FALSE(p.nl->find_link(kIfname).has_value()) << "DEL left " << kIfname << " in " << p.pod.container_id;
    EXPECT_EQ(p.links_added(), std::vector<std::string>{}) << "links left in the pod after DEL";
    if (p.result)
        for (const auto& ip : p.result->ips) {
            const auto leased = leases(net.name());
            EXPECT_EQ(std::find(leased.begin(), leased.end(), ip.address.str()), leased.end())
                << "DEL left host-local's lease of " << ip.address.str();
        }
    EXPECT_FALSE(net.cached_result(p.pod).has_value()) << "the cache entry of " << p.pod.container_id << " remains";
    const CniOutcome again = net.del(p.pod);
    EXPECT_TRUE(again.ok()) << "a second DEL must succeed too: " << again.summary();
    p.ifindex = 0;
}

void CniMacvlan::full_cycle(std::optional<MacvlanMode> requested) {
    const MacvlanMode mode = requested.value_or(MacvlanMode::bridge);
    const TopologySpec* spec = suite_context().catalog.find(to_string(mode), "plain");
    ASSERT_NE(spec, nullptr);
    auto net = network(config(requested ? std::optional<std::string>(std::string(to_string(*requested))) : std::nullopt));
    RecordProperty("config", net->config().dump());
    // The pods are added at once, as a node adds pods that start together: host-local's lock
    // file must keep their addresses apart, and each ADD waits for its IPv6 addresses to leave DAD
    // (ip.SettleAddresses), a second or so, which the pods then spend together.
    for (const auto& s : spec->slaves) pod(s.name);
    std::vector<std::future<CniOutcome>> adding;
    for (const auto& s : spec->slaves)
        adding.push_back(std::async(std::launch::async, [&, e = s.name] { return add(*net, e); }));
    std::vector<CniOutcome> added;
    for (auto& f : adding) added.push_back(f.get());
    for (const auto& a : added) ASSERT_TRUE(a.ok()) << a.summary();
    std::vector<std::string> addresses;
    for (const auto& s : spec->slaves) {
        expect_result_matches_the_link(*net, s.name, mode);
        for (const auto& ip : pod(s.name).result->ips) addresses.push_back(s.name + " " + ip.address.str());
    }
    RecordProperty("pods", [&] {
        std::string s;
        for (const auto& a : addresses) s += (s.empty() ? "" : ", ") + a;
        return s;
    }());
    EXPECT_EQ(cache_entries().size(), spec->slaves.size()) << "one cache entry per pod";
    EXPECT_EQ(stray_master_links(), std::vector<std::string>{}) << "the plugin left links beside the master";
    for (const auto& s : spec->slaves) {
        const CniOutcome checked = net->check(pod(s.name).pod);
        EXPECT_TRUE(checked.ok()) << checked.summary();
    }
    if (HasFailure()) return;
    measure(mode);

    // CHECK can fail: with an address of the result taken off the link, it must say so.
    auto& c1 = pod(spec->slaves.front().name);
    const auto& first = c1.result->ips.front();
    c1.nl->delete_address(c1.ifindex, first.address, first.prefix_length);
    const CniOutcome broken = net->check(c1.pod);
    RecordProperty("check_without_an_address", broken.summary());
    EXPECT_FALSE(broken.ok()) << "CHECK passed although " << first.address.str() << " was taken off " << kIfname;

    for (const auto& s : spec->slaves) expect_deleted(*net, s.name);
    EXPECT_EQ(leases(net->name()), std::vector<std::string>{}) << "leases left after every DEL";
    EXPECT_EQ(cache_entries(), std::vector<std::string>{}) << "cache entries left after every DEL";
    EXPECT_EQ(stray_master_links(), std::vector<std::string>{}) << "links left beside the master after every DEL";
}

}  // namespace mvc
