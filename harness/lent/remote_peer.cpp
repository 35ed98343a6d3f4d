// SPDX-License-Identifier: MIT
#include "remote_peer.hpp"

#include <algorithm>
#include <future>

#include "ip_json.hpp"

namespace mvc {

namespace {

using Clock = std::chrono::steady_clock;

std::string prefix_text(const IpAddress& a, int length) { return a.str() + "/" + std::to_string(length); }

}  // namespace

RemotePeer::RemotePeer(const RemoteShell& shell, std::string ifname) : shell_(shell), ifname_(std::move(ifname)) {
    if (!plain_interface_name(ifname_))
        throw RemoteError("--remote-if: '" + ifname_ + "' is not an interface name this tool sends to another machine "
                          "(letters, digits, '_', '.', '-'; at most 15)");
}

bool RemotePeer::plain_interface_name(const std::string& name) {
    return !name.empty() && name.size() <= 15 && name != "." && name != ".." &&
           std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '.' || c == '-'; });
}

InterfaceState RemotePeer::capture() const {
    const std::vector<std::string> show{"ip", "-j", "-d", "link", "show", "dev", ifname_};
    const auto shown = shell_.run(show);
    if (shown.ok() == false && shown.start_error.empty() && !shown.timed_out && shown.exit_code != 255 &&
        shown.err.find("does not exist") != std::string::npos)
        throw RemoteError("--remote-if: " + shell_.login().destination + " has no interface named '" + ifname_ + "'");
    if (!shown.ok()) throw RemoteError(shell_.describe(show, shown));
    return ip_json::interface_state(ifname_, shown.out, shell_.check({"ip", "-j", "address", "show", "dev", ifname_}),
                                    shell_.check({"ip", "-j", "-d", "link", "show"}));
}

std::vector<IpPrefix> RemotePeer::routes() const {
    std::vector<IpPrefix> out;
    for (const char* family : {"-4", "-6"})
        for (const auto& p : ip_json::route_destinations(shell_.check({"ip", "-j", family, "route", "show", "table", "all"})))
            out.push_back(p);
    return out;
}

std::vector<std::string> RemotePeer::default_routes_through() const {
    std::vector<std::string> out;
    for (const char* family : {"-4", "-6"})
        if (ip_json::has_route_through(shell_.check({"ip", "-j", family, "route", "show", "default"}), ifname_))
            out.push_back(family[1] == '4' ? "0.0.0.0/0" : "::/0");
    return out;
}

std::string RemotePeer::session_interface() const {
    // sshd tells the session where it came from: "client_ip client_port server_ip server_port".
    const auto connection = shell_.run({"printenv", "SSH_CONNECTION"});
    if (!connection.ok()) return "";
    const std::string client = connection.out.substr(0, connection.out.find(' '));
    const auto route = shell_.run({"ip", "-j", "route", "get", client});
    if (!route.ok()) return "";
    try {
        return ip_json::route_device(route.out);
    } catch (const RemoteError&) {
        return "";
    }
}

std::string RemotePeer::ping_unavailable() const {
    const auto version = shell_.run({"ping", "-V"});
    if (version.start_error.empty() && version.exit_code == 127)
        return shell_.login().destination + " has no ping (Debian: iputils-ping)";
    if (version.out.find("iputils") == std::string::npos)
        return shell_.login().destination + "'s ping is not iputils' (`ping -V` printed: " + version.out.substr(0, version.out.find('\n')) +
               "); the remote probes need its -w/-I semantics (Debian: iputils-ping)";
    return "";
}

void RemotePeer::set_up() const { shell_.check_privileged({"ip", "link", "set", "dev", ifname_, "up"}); }

bool RemotePeer::wait_until_up(Clock::time_point deadline) const {
    do {
        if (ip_json::up_with_carrier(shell_.check({"ip", "-j", "link", "show", "dev", ifname_}))) return true;
    } while (Clock::now() < deadline);  // each question is an ssh round trip: that paces the loop
    return false;
}

std::string RemotePeer::run_batch(const std::vector<std::string>& lines, bool keep_going) const {
    if (lines.empty()) return "";
    std::string input;
    for (const auto& l : lines) input += l + "\n";
    std::vector<std::string> argv{"ip"};
    if (keep_going) argv.push_back("-force");
    argv.insert(argv.end(), {"-batch", "-"});
    return shell_.check_privileged(argv, input);
}

void RemotePeer::add_addresses(const std::vector<std::pair<IpAddress, int>>& addresses) const {
    std::vector<std::string> lines;
    // nodad: the run's addresses are unique by construction, and DAD would hold them "tentative"
    // (unusable) for a second.
    for (const auto& [a, length] : addresses)
        lines.push_back("address add " + prefix_text(a, length) + " dev " + ifname_ + (a.family() == Family::ipv6 ? " nodad" : ""));
    run_batch(lines, false);
}

void RemotePeer::delete_addresses(const std::vector<std::pair<IpAddress, int>>& addresses) const {
    std::vector<std::string> lines;
    for (const auto& [a, length] : addresses) lines.push_back("address del " + prefix_text(a, length) + " dev " + ifname_);
    try {
        run_batch(lines, true);
    } catch (const RemoteError&) {
        // Deleting a primary IPv4 address takes its secondaries with it (unless promote_secondaries),
        // so later lines find nothing to delete. What counts is whether any is left.
        const auto left = capture().addresses;
        for (const auto& [a, length] : addresses)
            if (std::find(left.begin(), left.end(), prefix_text(a, length)) != left.end()) throw;
    }
}

void RemotePeer::flush_neighbours(const std::vector<IpPrefix>& ranges) const {
    std::vector<std::string> lines;
    for (const auto& r : ranges) lines.push_back("neighbour flush dev " + ifname_ + " to " + r.str());
    run_batch(lines, true);
}

int RemotePeer::ping_deadline_seconds(std::chrono::milliseconds window) {
    return std::max<int>(1, static_cast<int>((window.count() + 999) / 1000));
}

std::vector<EchoResult> RemotePeer::ping(const std::vector<std::pair<IpAddress, IpAddress>>& source_destination,
                                         std::chrono::milliseconds window) const {
    const int deadline = ping_deadline_seconds(window);
    std::vector<std::future<EchoResult>> pending;
    for (const auto& [source, destination] : source_destination)
        pending.push_back(std::async(std::launch::async, [this, source = source, destination = destination, deadline] {
            // -c 1 -w N: keep asking every 50 ms until one reply or N seconds; the same repeat-until-
            // reply schedule as the local probes, so a lost first ARP/ND exchange costs no verdict.
            std::vector<std::string> argv{"ping", "-n", "-q", "-c", "1", "-w", std::to_string(deadline), "-i", "0.05", "-I", source.str(), destination.str()};
            if (shell_.needs_sudo()) argv.insert(argv.begin(), {"sudo", "-n"});
            const auto started = Clock::now();
            const auto r = shell_.run(argv, std::chrono::seconds(deadline + 30));
            EchoResult result;
            result.requests_sent = 1;
            // iputils ping: 0 = a reply came, 1 = none came, anything else = it could not ask. Only
            // its own summary makes a 1 silence: sudo -n also exits 1 when it wants a password.
            const bool silence = r.exit_code == 1 && !r.timed_out && r.out.find(" packets transmitted, 0 received") != std::string::npos;
            if (r.ok()) {
                result.replied = true;
                result.first_reply = Clock::now() - started;
            } else if (!silence) {
                result.failure = shell_.describe(argv, r);
            }
            return result;
        }));
    std::vector<EchoResult> results;
    for (auto& p : pending) results.push_back(p.get());
    return results;
}

std::vector<std::string> restore_remote_peer(const InterfaceJournal::RemotePeer& record, const NetNamespace& launch) {
    try {
        const RemoteShell shell(launch, {record.destination, record.ssh_config});
        return restore_remote_peer(record, shell);
    } catch (const std::exception& e) {
        return {std::string("remote peer ") + record.original.name + " on " + record.destination + ": " + e.what()};
    }
}

std::vector<std::string> restore_remote_peer(const InterfaceJournal::RemotePeer& record, const RemoteShell& shell) {
    std::vector<std::string> problems;
    try {
        const RemotePeer peer(shell, record.original.name);
        std::vector<IpPrefix> ranges;
        for (const auto& r : record.ranges) ranges.push_back(IpPrefix::parse(r));
        const auto now = peer.capture();
        std::vector<std::pair<IpAddress, int>> ours;
        for (const auto& a : now.addresses) {
            if (std::find(record.original.addresses.begin(), record.original.addresses.end(), a) != record.original.addresses.end()) continue;
            const auto slash = a.find('/');
            const auto address = IpAddress::parse(a.substr(0, slash));
            if (std::any_of(ranges.begin(), ranges.end(), [&](const IpPrefix& r) { return r.contains(address); }))
                ours.emplace_back(address, std::stoi(a.substr(slash + 1)));
        }
        peer.delete_addresses(ours);
        peer.flush_neighbours(ranges);
        if (!record.original.up && now.up) shell.check_privileged({"ip", "link", "set", "dev", record.original.name, "down"});
        for (const auto& d : peer.capture().differences(record.original))
            problems.push_back(record.destination + ": " + d);
    } catch (const std::exception& e) {
        problems.push_back(std::string("remote peer: ") + e.what());
    }
    return problems;
}

}  // namespace mvc
