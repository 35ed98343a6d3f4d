// SPDX-License-Identifier: MIT
#include "remote_peer.hpp"

#include <algorithm>
#include <future>

#include <nlohmann/json.hpp>

namespace mvc {

namespace {

using Clock = std::chrono::steady_clock;

nlohmann::json parse_json(const std::string& text, const std::string& what) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
        throw RemoteError(what + " did not print JSON but \"" + text.substr(0, text.find('\n')).substr(0, 120) +
                          "\": iproute2 4.13 or newer is needed for `ip -j`, and nothing else may print on a non-interactive "
                          "login (check the remote user's shell startup files)");
    }
}

bool has_flag(const nlohmann::json& link, const std::string& flag) {
    const auto flags = link.value("flags", std::vector<std::string>{});
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

// "default", "198.51.100.0/24", or a host route's bare address.
std::optional<IpPrefix> route_destination(const std::string& dst) {
    if (dst.empty() || dst == "default") return std::nullopt;
    try {
        if (dst.find('/') != std::string::npos) return IpPrefix::parse(dst);
        const auto a = IpAddress::parse(dst);
        return IpPrefix{a, a.family() == Family::ipv4 ? 32 : 128};
    } catch (const std::exception&) {
        return std::nullopt;  // multicast or other route types iproute2 names in words
    }
}

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
    const auto links = parse_json(shown.out, "ip -j link show");
    if (!links.is_array() || links.empty()) throw RemoteError("--remote-if: no interface '" + ifname_ + "' on " + shell_.login().destination);
    const auto& l = links.front();
    InterfaceState s;
    s.role = "remote peer";
    s.name = ifname_;
    s.ifindex = l.value("ifindex", 0);
    s.mac = MacAddress::parse(l.value("address", std::string("00:00:00:00:00:00")));
    s.mtu = l.value("mtu", 0u);
    s.up = has_flag(l, "UP");
    s.promisc_flag = has_flag(l, "PROMISC");
    s.promiscuity = l.value("promiscuity", 0u);
    s.master = l.value("master", std::string());
    const auto addrs = parse_json(shell_.check({"ip", "-j", "address", "show", "dev", ifname_}), "ip -j address show");
    for (const auto& link : addrs)
        for (const auto& a : link.value("addr_info", nlohmann::json::array()))
            if (a.contains("local")) s.addresses.push_back(a.at("local").get<std::string>() + "/" + std::to_string(a.value("prefixlen", 0)));
    std::sort(s.addresses.begin(), s.addresses.end());
    for (const auto& other : parse_json(shell_.check({"ip", "-j", "-d", "link", "show"}), "ip -j link show")) {
        const bool veth = other.contains("linkinfo") && other["linkinfo"].value("info_kind", "") == "veth";
        if (other.value("link", "") == ifname_ && !other.contains("link_netnsid") && !veth)
            s.uppers.push_back(other.value("ifname", ""));
    }
    std::sort(s.uppers.begin(), s.uppers.end());
    return s;
}

std::vector<IpPrefix> RemotePeer::routes() const {
    std::vector<IpPrefix> out;
    for (const char* family : {"-4", "-6"})
        for (const auto& r : parse_json(shell_.check({"ip", "-j", family, "route", "show", "table", "all"}), "ip -j route show"))
            if (auto p = route_destination(r.value("dst", ""))) out.push_back(*p);
    return out;
}

std::vector<std::string> RemotePeer::default_routes_through() const {
    std::vector<std::string> out;
    for (const char* family : {"-4", "-6"})
        for (const auto& r : parse_json(shell_.check({"ip", "-j", family, "route", "show", "default"}), "ip -j route show default"))
            if (r.value("dev", "") == ifname_) out.push_back(family[1] == '4' ? "0.0.0.0/0" : "::/0");
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
        const auto r = nlohmann::json::parse(route.out);
        return r.empty() ? "" : r.front().value("dev", "");
    } catch (const nlohmann::json::exception&) {
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
        const auto links = parse_json(shell_.check({"ip", "-j", "link", "show", "dev", ifname_}), "ip -j link show");
        if (!links.empty() && has_flag(links.front(), "UP") && has_flag(links.front(), "LOWER_UP")) return true;
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
        pending.push_back(std::async(std::launch::async, [this, source, destination, deadline] {
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
