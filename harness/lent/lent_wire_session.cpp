// SPDX-License-Identifier: MIT
#include "lent_wire_session.hpp"

#include <linux/rtnetlink.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <thread>

#include "error.hpp"
#include "ethtool_info.hpp"
#include "journal_replay.hpp"
#include "machine_routes.hpp"
#include "netns_pin.hpp"
#include "utc_timestamp.hpp"

namespace mvc {

namespace {

// The default routes that leave through this link, e.g. "0.0.0.0/0".
std::vector<std::string> default_routes_through(const std::vector<RouteEntry>& routes, int ifindex) {
    std::vector<std::string> out;
    for (const auto& r : routes)
        if (r.ifindex == ifindex && r.destination.length == 0 && r.type == RTN_UNICAST) out.push_back(r.destination.str());
    return out;
}

LinkInfo lendable(Rtnl& rtnl, const std::vector<RouteEntry>& routes, const std::string& name, const char* flag,
                  bool allow_busy) {
    const auto link = rtnl.find_link(name);
    if (!link) throw RefusedRequest(std::string(flag) + ": there is no interface named '" + name + "' in this machine's network namespace");
    if (link->mac == MacAddress() || link->name == "lo")
        throw RefusedRequest(std::string(flag) + ": " + name + " is not an Ethernet interface, so it cannot carry macvlans");
    const auto why = busy_reasons(InterfaceState::capture(rtnl, link->ifindex, ""), default_routes_through(routes, link->ifindex));
    if (!why.empty() && !allow_busy)
        throw RefusedRequest(std::string(flag) + " " + name + " is in use: " + why +
                             ". The run adds addresses and macvlans to the parent and moves the peer into its own "
                             "namespace, which could cut this machine off its network. Use interfaces that carry "
                             "nothing (a spare port and its cabled partner), or pass --allow-busy-parent if you accept the risk.");
    return *link;
}

void report_restore_problems(const std::vector<std::string>& problems) {
    for (const auto& p : problems) std::cerr << "macvlan-conformance: restore: " << p << "\n";
}

}  // namespace

std::string LentWireRequest::peer_description() const {
    return remote.empty() ? peer : remote_if + " on " + remote;
}

LentWireSession::LentWireSession(const NetNamespace& machine, const LentWireRequest& request)
    : machine_(machine.clone()), request_(request) {
    const bool remote = !request.remote.empty();
    if (!remote && request.peer.empty())
        throw RefusedRequest("--parent needs an external side: --peer IFACE (a port cabled to it) or --remote USER@HOST --remote-if IFACE");
    if (remote && request.remote_if.empty()) throw RefusedRequest("--remote needs --remote-if IFACE: the remote host's port cabled to --parent");
    if (!remote && request.peer == request.parent) throw RefusedRequest("--peer must be another interface than --parent");
    Rtnl rtnl(machine_);
    const auto routes = dump_routes(rtnl);
    const LinkInfo parent = lendable(rtnl, routes, request.parent, "--parent", request.allow_busy);
    std::optional<LinkInfo> peer;
    if (!remote) peer = lendable(rtnl, routes, request.peer, "--peer", request.allow_busy);

    std::vector<IpPrefix> taken;
    for (const auto& r : routes) taken.push_back(r.destination);
    std::optional<InterfaceState> remote_state;
    if (remote) {
        try {
            remote_shell_ = std::make_unique<RemoteShell>(machine_, RemoteLogin{request.remote, request.remote_ssh_config});
            remote_peer_ = std::make_unique<RemotePeer>(*remote_shell_, request.remote_if);
            remote_state = remote_peer_->capture();  // it exists, and this is what it was like
            if (remote_peer_->session_interface() == request.remote_if)
                throw RefusedRequest("--remote-if " + request.remote_if + " is the interface this ssh session reaches " + request.remote +
                                     " through: the run would cut itself off. Cable --parent to another port of that host");
            const auto why = busy_reasons(*remote_state, remote_peer_->default_routes_through());
            if (!why.empty() && !request.allow_busy)
                throw RefusedRequest("--remote-if " + request.remote_if + " on " + request.remote + " is in use: " + why +
                                     ". The run adds addresses to it, which could disturb that host's network. Use a port that "
                                     "carries nothing, or pass --allow-busy-parent if you accept the risk.");
            const auto no_ping = remote_peer_->ping_unavailable();
            if (!no_ping.empty()) throw RefusedRequest("--remote: " + no_ping + ": it sends the probes of every ext->X cell");
            for (const auto& r : remote_peer_->routes()) taken.push_back(r);
        } catch (const RemoteError& e) {
            throw RefusedRequest(std::string("--remote: ") + e.what());
        }
    }

    // Addresses go on the parent in the machine's namespace (and on a remote peer), so they must
    // collide with nothing either machine routes: the first free documentation range is taken,
    // checked now, not assumed.
    const auto v4 = first_free({IpPrefix::parse("198.51.100.0/24"), IpPrefix::parse("203.0.113.0/24"), IpPrefix::parse("192.0.2.0/24")}, taken);
    const auto v6 = first_free({IpPrefix::parse("2001:db8:4d56::/64"), IpPrefix::parse("2001:db8:4d57::/64"), IpPrefix::parse("2001:db8:4d58::/64")}, taken);
    if (!v4 || !v6)
        throw RefusedRequest(std::string("every documentation range this tool would use on the parent overlaps a route of this machine") +
                             (remote ? " or of " + request.remote : "") + "; remove the route or lend the interfaces on another machine");
    const AddressPlan::Ranges addresses{*v4, *v6};

    journal_.pid = ::getpid();
    journal_.started = utc_timestamp(std::chrono::system_clock::now());
    journal_.machine_netns = machine_.inode();
    journal_.interfaces = {InterfaceState::capture_with_settings(rtnl, machine_, parent.ifindex, "parent")};
    if (remote) {
        lend_remote_peer(rtnl, parent, addresses, *remote_state);
    } else {
        lend_local_peer(rtnl, parent, *peer, addresses);
    }

    properties_ = {{"parent_kind", "lent"}, {"parent", request.parent},
                   {"peer_hairpin", request.peer_hairpin ? "declared: the switch reflects frames (802.1Qbg)" : "not declared"},
                   {"lent_ipv4_range", v4->str()}, {"lent_ipv6_range", v6->str()}, {"journal", journal_.path().string()}};
    if (remote) {
        properties_.push_back({"remote", request.remote});
        properties_.push_back({"remote_if", request.remote_if});
        properties_.push_back({"remote_probes", std::string("ext->X cells: iputils ping over ssh, its window rounded up to whole seconds") +
                                                    (remote_shell_->needs_sudo() ? ", under sudo -n" : "")});
    } else {
        properties_.push_back({"peer", request.peer});
    }
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

void LentWireSession::lend_local_peer(Rtnl& rtnl, const LinkInfo& parent, const LinkInfo& peer, const AddressPlan::Ranges& addresses) {
    journal_.interfaces.push_back(InterfaceState::capture_with_settings(rtnl, machine_, peer.ifindex, "peer"));
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
        inside.set_up(inside.link(request_.peer).ifindex);
        rtnl.set_up(parent.ifindex);
        wires_ = std::make_unique<LentLocalWires>(machine_, parent.ifindex, request_.parent, addresses, *ext_,
                                                  inside.link(request_.peer).ifindex);
    } catch (...) {
        report_restore_problems(restore());
        throw;
    }

    // A pin lives in this process's mount namespace. Under `ip netns exec` (which unshares one) it
    // dies with the process, and a crash would take a veth peer, and its parent, with it.
    struct stat mine {}, init {};
    if (::stat("/proc/self/ns/mnt", &mine) == 0 && ::stat("/proc/1/ns/mnt", &init) == 0 && mine.st_ino != init.st_ino)
        std::cerr << "macvlan-conformance: warning: this process has a mount namespace of its own (ip netns exec?): the "
                     "pinned namespace " << ext_name << " will not survive a crash; use nsenter --net=... instead\n";
}

void LentWireSession::lend_remote_peer(Rtnl& rtnl, const LinkInfo& parent, const AddressPlan::Ranges& addresses,
                                       const InterfaceState& remote_state) {
    journal_.remote = InterfaceJournal::RemotePeer{
        request_.remote, request_.remote_ssh_config, remote_state,
        {addresses.v4.str(), addresses.v6.str()}};
    journal_.write();  // from here on, a crash leaves something `restore` can replay
    try {
        remote_peer_->set_up();
        rtnl.set_up(parent.ifindex);
        // Carrier on both ends is what says the cable is there; the controls then say it carries.
        if (!remote_peer_->wait_until_up(std::chrono::steady_clock::now() + std::chrono::seconds(10)))
            throw RefusedRequest("--remote-if " + request_.remote_if + " on " + request_.remote +
                                 " has no carrier after 10 s up: is it cabled to --parent " + request_.parent + "?");
        wires_ = std::make_unique<RemoteWires>(machine_, parent.ifindex, request_.parent, addresses, *remote_peer_,
                                               remote_state.mac);
    } catch (const RemoteError& e) {
        report_restore_problems(restore());
        throw RefusedRequest(std::string("--remote: ") + e.what());
    } catch (...) {
        report_restore_problems(restore());
        throw;
    }
}

LentWireSession::~LentWireSession() { report_restore_problems(restore()); }

std::vector<LentWireSession::Fact> LentWireSession::properties() const { return properties_; }

std::vector<std::string> LentWireSession::restore() {
    std::lock_guard lock(restore_mutex_);
    if (restored_) return {};
    restored_ = true;
    auto problems = replay_journal(journal_, machine_, remote_shell_.get());
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
                  << session.request().peer_description() << " before exiting\n";
        report_restore_problems(session.restore());
        ::_exit(128 + signal);
    }).detach();
}

}  // namespace mvc
