#include "lent_wire_session.hpp"

#include <linux/rtnetlink.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <thread>

#include "environment.hpp"
#include "error.hpp"
#include "ethtool_info.hpp"
#include "machine_routes.hpp"
#include "netns_pin.hpp"

namespace mvc {

namespace {

// Why an interface must not be lent, or "" when it is free: the default route, addresses other
// than the kernel's own link-local one, a master, or links stacked on it.
std::string busy_reasons(Rtnl& rtnl, const std::vector<RouteEntry>& routes, const LinkInfo& link) {
    std::string why;
    auto add = [&](const std::string& reason) { why += (why.empty() ? "" : "; ") + reason; };
    for (const auto& r : routes)
        if (r.ifindex == link.ifindex && r.destination.length == 0 && r.type == RTN_UNICAST)
            add("it carries the default route (" + r.destination.str() + ")");
    std::string addresses;
    for (const auto& a : rtnl.addresses())
        if (a.ifindex == link.ifindex && a.address.rfind("fe80:", 0) != 0) addresses += (addresses.empty() ? "" : ", ") + a.address;
    if (!addresses.empty()) add("it has addresses (" + addresses + ")");
    if (link.master_ifindex) add("it is enslaved to " + rtnl.link(link.master_ifindex).name);
    const auto state = InterfaceState::capture(rtnl, link.ifindex, "");
    std::string uppers;
    for (const auto& u : state.uppers) uppers += (uppers.empty() ? "" : ", ") + u;
    if (!uppers.empty()) add("links are stacked on it (" + uppers + ")");
    return why;
}

LinkInfo lendable(Rtnl& rtnl, const std::vector<RouteEntry>& routes, const std::string& name, const char* flag,
                  bool allow_busy) {
    const auto link = rtnl.find_link(name);
    if (!link) throw RefusedRequest(std::string(flag) + ": there is no interface named '" + name + "' in this machine's network namespace");
    if (link->mac == MacAddress() || link->name == "lo")
        throw RefusedRequest(std::string(flag) + ": " + name + " is not an Ethernet interface, so it cannot carry macvlans");
    const auto why = busy_reasons(rtnl, routes, *link);
    if (!why.empty() && !allow_busy)
        throw RefusedRequest(std::string(flag) + " " + name + " is in use: " + why +
                             ". The run adds addresses and macvlans to the parent and moves the peer into its own "
                             "namespace, which could cut this machine off its network. Use interfaces that carry "
                             "nothing (a spare port and its cabled partner), or pass --allow-busy-parent if you accept the risk.");
    return *link;
}

}  // namespace

LentWireSession::LentWireSession(const NetNamespace& machine, const LentWireRequest& request)
    : machine_(machine.clone()), request_(request) {
    if (request.peer.empty()) throw RefusedRequest("--parent needs an external side: --peer IFACE (a port cabled to it)");
    if (request.peer == request.parent) throw RefusedRequest("--peer must be another interface than --parent");
    Rtnl rtnl(machine_);
    const auto routes = dump_routes(rtnl);
    const LinkInfo parent = lendable(rtnl, routes, request.parent, "--parent", request.allow_busy);
    const LinkInfo peer = lendable(rtnl, routes, request.peer, "--peer", request.allow_busy);

    // Addresses go on the parent in the machine's namespace, so they must collide with nothing the
    // machine routes: the first free documentation range is taken, checked now, not assumed.
    std::vector<IpPrefix> taken;
    for (const auto& r : routes) taken.push_back(r.destination);
    const auto v4 = first_free({IpPrefix::parse("198.51.100.0/24"), IpPrefix::parse("203.0.113.0/24"), IpPrefix::parse("192.0.2.0/24")}, taken);
    const auto v6 = first_free({IpPrefix::parse("2001:db8:4d56::/64"), IpPrefix::parse("2001:db8:4d57::/64"), IpPrefix::parse("2001:db8:4d58::/64")}, taken);
    if (!v4 || !v6)
        throw RefusedRequest("every documentation range this tool would use on the parent overlaps a route of this machine; "
                             "remove the route or lend the interfaces on another machine");

    journal_.pid = ::getpid();
    journal_.started = utc_timestamp(std::chrono::system_clock::now());
    journal_.machine_netns = machine_.inode();
    journal_.interfaces = {InterfaceState::capture(rtnl, parent.ifindex, "parent"), InterfaceState::capture(rtnl, peer.ifindex, "peer")};
    const std::string ext_name = "mvc" + std::to_string(journal_.pid) + "-ext";
    journal_.pinned_namespaces = {ext_name};
    journal_.write();  // from here on, a crash leaves something `restore` can replay

    try {
        ext_ = std::make_unique<NetNamespace>(NetNamespace::create());
        pin_namespace(*ext_, ext_name);
        rtnl.move_to(peer.ifindex, *ext_);
        Rtnl inside(*ext_);
        // A move takes the link down (dev_change_net_namespace closes it); every suite expects a
        // live wire, and the journal puts both states back.
        inside.set_up(inside.link(request.peer).ifindex);
        rtnl.set_up(parent.ifindex);
        wire_ = std::make_unique<LentWire>();
        wire_->host = &machine_;
        wire_->parent = parent.ifindex;
        wire_->ext = ext_.get();
        wire_->peer = inside.link(request.peer).ifindex;
        wire_->addresses = AddressPlan(v4->network, v6->network);
    } catch (...) {
        restore();
        throw;
    }

    // A pin lives in this process's mount namespace. Under `ip netns exec` (which unshares one) it
    // dies with the process, and a crash would take a veth peer, and its parent, with it.
    struct stat mine {}, init {};
    if (::stat("/proc/self/ns/mnt", &mine) == 0 && ::stat("/proc/1/ns/mnt", &init) == 0 && mine.st_ino != init.st_ino)
        std::cerr << "macvlan-conformance: warning: this process has a mount namespace of its own (ip netns exec?): the "
                     "pinned namespace " << ext_name << " will not survive a crash; use nsenter --net=... instead\n";
    properties_ = {{"parent_kind", "lent"}, {"parent", request.parent}, {"peer", request.peer},
                   {"peer_hairpin", request.peer_hairpin ? "declared: the switch reflects frames (802.1Qbg)" : "not declared"},
                   {"lent_ipv4_range", v4->str()}, {"lent_ipv6_range", v6->str()}, {"journal", journal_.path().string()}};
    try {
        const auto driver = driver_info(machine_, request.parent);
        properties_.push_back({"parent_driver", driver.driver});
        properties_.push_back({"parent_driver_version", driver.version});
        properties_.push_back({"parent_firmware", driver.firmware.empty() ? "n/a" : driver.firmware});
        properties_.push_back({"parent_bus", driver.bus.empty() ? "n/a" : driver.bus});
    } catch (const SystemError& e) {
        properties_.push_back({"parent_driver", std::string("unknown: ") + e.what()});
    }
}

LentWireSession::~LentWireSession() {
    for (const auto& problem : restore()) std::cerr << "macvlan-conformance: restore: " << problem << "\n";
}

std::vector<Property> LentWireSession::properties() const { return properties_; }

std::vector<std::string> LentWireSession::restore() {
    std::lock_guard lock(restore_mutex_);
    if (restored_) return {};
    restored_ = true;
    auto problems = restore_interfaces(journal_, machine_);
    if (!problems.empty())
        problems.push_back("the journal " + journal_.path().string() + " is kept: run `macvlan-conformance restore` to try again");
    return problems;
}

void block_termination_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void restore_on_termination_signal(LentWireSession& session) {
    std::thread([&session] {
        sigset_t set;
        sigemptyset(&set);
        for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
        int signal = 0;
        if (sigwait(&set, &signal) != 0) return;
        std::cerr << "\nmacvlan-conformance: " << strsignal(signal) << ": restoring " << session.request().parent << " and "
                  << session.request().peer << " before exiting\n";
        for (const auto& problem : session.restore()) std::cerr << "macvlan-conformance: restore: " << problem << "\n";
        ::_exit(128 + signal);
    }).detach();
}

}  // namespace mvc
