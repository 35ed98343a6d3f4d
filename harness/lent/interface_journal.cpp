// SPDX-License-Identifier: MIT
#include "interface_journal.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <utility>
#include <fstream>

#include "error.hpp"
#include "link_events.hpp"
#include "owned_paths.hpp"
#include "unique_fd.hpp"

namespace mvc {

namespace {

// A whole number of the journal, in the range of the field it is read into. nlohmann converts a
// float or an out-of-range integer with a plain cast, which is undefined behaviour (fuzz_journal
// found "pid": 40e242).
template <typename Int>
Int whole_number(const nlohmann::json& object, const char* key) {
    const auto& value = object.at(key);
    using Limits = std::numeric_limits<Int>;
    if (value.is_number_unsigned() && value.get<uint64_t>() <= static_cast<uint64_t>(Limits::max()))
        return static_cast<Int>(value.get<uint64_t>());
    if (value.is_number_integer() && !value.is_number_unsigned()) {
        const int64_t n = value.get<int64_t>();
        if (std::in_range<Int>(n)) return static_cast<Int>(n);
    }
    throw std::runtime_error(std::string("the journal's \"") + key + "\" is not a whole number " + std::to_string(Limits::min()) +
                             " to " + std::to_string(Limits::max()) + ": " + value.dump());
}

// Links stacked on `ifindex` in the same namespace: macvlans, VLANs, ipvlans. A veth's IFLA_LINK
// names its partner, which is no upper.
std::vector<std::string> uppers_of(Rtnl& rtnl, int ifindex) {
    std::vector<std::string> out;
    for (const auto& l : rtnl.links())
        if (l.ifindex != ifindex && l.lower_ifindex == ifindex && !l.lower_in_other_namespace && l.kind != "veth")
            out.push_back(l.name);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> addresses_of(Rtnl& rtnl, int ifindex) {
    std::vector<std::string> out;
    for (const auto& a : rtnl.addresses())
        if (a.ifindex == ifindex) out.push_back(a.address);
    std::sort(out.begin(), out.end());
    return out;
}

bool is_link_local(const std::string& address) { return address.rfind("fe80:", 0) == 0; }

bool contains(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

void delete_address_text(Rtnl& rtnl, int ifindex, const std::string& a) {
    const auto slash = a.find('/');
    try {
        rtnl.delete_address(ifindex, IpAddress::parse(a.substr(0, slash)), std::stoi(a.substr(slash + 1)));
    } catch (const NetlinkError& e) {
        // Deleting a primary IPv4 address takes its secondaries with it (no promote_secondaries):
        // those are already gone.
        if (e.error() != EADDRNOTAVAIL) throw;
    }
}

void unpin(const std::string& name, std::vector<std::string>& problems) {
    const std::string path = "/run/netns/" + name;
    if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
        problems.push_back("cannot unmount " + path + ": " + errno_name(errno));
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) problems.push_back("cannot remove " + path + ": " + errno_name(errno));
}

}  // namespace

InterfaceState InterfaceState::capture(Rtnl& rtnl, int ifindex, const std::string& role) {
    const LinkInfo l = rtnl.link(ifindex);
    InterfaceState s;
    s.role = role;
    s.name = l.name;
    s.ifindex = l.ifindex;
    s.mac = l.mac;
    s.mtu = l.mtu;
    s.up = (l.flags & IFF_UP) != 0;
    s.promisc_flag = (l.flags & IFF_PROMISC) != 0;
    s.promiscuity = l.promiscuity;
    s.addresses = addresses_of(rtnl, ifindex);
    if (l.master_ifindex) s.master = rtnl.link(l.master_ifindex).name;
    s.uppers = uppers_of(rtnl, ifindex);
    return s;
}

InterfaceState InterfaceState::capture_with_settings(Rtnl& rtnl, const NetNamespace& ns, int ifindex, const std::string& role) {
    InterfaceState s = capture(rtnl, ifindex, role);
    s.settings = read_device_settings(ns, s.name);
    return s;
}

nlohmann::json InterfaceState::json() const {
    nlohmann::json j = {{"role", role},       {"name", name},   {"ifindex", ifindex},           {"mac", mac.str()},
                        {"mtu", mtu},         {"up", up},       {"promisc_flag", promisc_flag}, {"promiscuity", promiscuity},
                        {"addresses", addresses}, {"master", master}, {"uppers", uppers}};
    if (settings) j["settings"] = settings->values;
    return j;
}

InterfaceState InterfaceState::from_json(const nlohmann::json& j) {
    InterfaceState s;
    s.role = j.at("role");
    s.name = j.at("name");
    s.ifindex = whole_number<int>(j, "ifindex");
    s.mac = MacAddress::parse(j.at("mac").get<std::string>());
    s.mtu = whole_number<unsigned>(j, "mtu");
    s.up = j.at("up");
    s.promisc_flag = j.at("promisc_flag");
    s.promiscuity = whole_number<uint32_t>(j, "promiscuity");
    s.addresses = j.at("addresses").get<std::vector<std::string>>();
    s.master = j.at("master");
    s.uppers = j.at("uppers").get<std::vector<std::string>>();
    if (j.contains("settings")) s.settings = DeviceSettings{j.at("settings").get<std::map<std::string, std::string>>()};
    return s;
}

std::string busy_reasons(const InterfaceState& state, const std::vector<std::string>& default_routes) {
    std::string why;
    auto add = [&](const std::string& reason) { why += (why.empty() ? "" : "; ") + reason; };
    auto joined = [](const std::vector<std::string>& items) {
        std::string s;
        for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
        return s;
    };
    for (const auto& r : default_routes) add("it carries the default route (" + r + ")");
    std::vector<std::string> addresses;
    for (const auto& a : state.addresses)
        if (!is_link_local(a)) addresses.push_back(a);
    if (!addresses.empty()) add("it has addresses (" + joined(addresses) + ")");
    if (!state.master.empty()) add("it is enslaved to " + state.master);
    if (!state.uppers.empty()) add("links are stacked on it (" + joined(state.uppers) + ")");
    return why;
}

std::vector<std::string> InterfaceState::differences(const InterfaceState& o) const {
    std::vector<std::string> d;
    auto differ = [&](const std::string& what, const std::string& now, const std::string& then) {
        if (now != then) d.push_back(name + ": " + what + " is " + now + ", was " + then);
    };
    auto list = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
        return "[" + s + "]";
    };
    differ("MAC", mac.str(), o.mac.str());
    differ("MTU", std::to_string(mtu), std::to_string(o.mtu));
    differ("state", up ? "up" : "down", o.up ? "up" : "down");
    differ("PROMISC flag", promisc_flag ? "on" : "off", o.promisc_flag ? "on" : "off");
    differ("promiscuity", std::to_string(promiscuity), std::to_string(o.promiscuity));
    differ("addresses", list(addresses), list(o.addresses));
    differ("master", master.empty() ? "none" : master, o.master.empty() ? "none" : o.master);
    differ("uppers", list(uppers), list(o.uppers));
    if (settings && o.settings)
        for (auto& s : device_settings_differences(name, *settings, *o.settings)) d.push_back(std::move(s));
    return d;
}

std::filesystem::path InterfaceJournal::path() const {
    return std::filesystem::path(kDirectory) / ("journal-" + std::to_string(pid) + ".json");
}

void InterfaceJournal::write() const {
    // Only root may write where root replays from (restore refuses anything else).
    make_private_directory(kDirectory, ::geteuid());
    nlohmann::json j = {{"format", kFormatPrefix + std::to_string(kFormat)}, {"pid", pid}, {"started", started}, {"machine_netns", machine_netns},
                        {"pinned_namespaces", pinned_namespaces}, {"interfaces", nlohmann::json::array()}};
    for (const auto& i : interfaces) j["interfaces"].push_back(i.json());
    if (remote)
        j["remote"] = {{"destination", remote->destination}, {"ssh_config", remote->ssh_config},
                       {"original", remote->original.json()}, {"ranges", remote->ranges}};
    const auto final_path = path();
    const auto temporary = final_path.string() + ".tmp";
    {
        std::ofstream out(temporary);
        out << j.dump(2) << '\n';
        if (!out) throw std::runtime_error("cannot write the journal " + temporary);
    }
    std::filesystem::permissions(temporary, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    // The journal is what a crash leaves behind to restore from: it must be on disk before any
    // interface is touched, and never half-written.
    const int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    std::filesystem::rename(temporary, final_path);
}

void forget_journal(const InterfaceJournal& journal) {
    std::error_code ec;
    std::filesystem::remove(journal.path(), ec);
    // Leave the directories as found too: they are removed once nothing else is in them.
    std::filesystem::remove(InterfaceJournal::kDirectory, ec);
    std::filesystem::remove("/run/netns", ec);
}

InterfaceJournal InterfaceJournal::read(const std::filesystem::path& file) {
    // restore replays it as root: only a journal root wrote, in a directory only root can write.
    const UniqueFd fd = open_trusted_file(file, ::geteuid());
    std::string text;
    char buffer[8192];
    for (ssize_t n; (n = ::read(fd.get(), buffer, sizeof buffer)) != 0;) {
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read the journal " + file.string());
        }
        text.append(buffer, static_cast<size_t>(n));
    }
    return parse(text, file.string());
}

InterfaceJournal InterfaceJournal::parse(std::string_view text, const std::string& source) {
    const auto j = nlohmann::json::parse(text);
    const std::string format = j.value("format", "");
    if (format.rfind(kFormatPrefix, 0) != 0) throw std::runtime_error(source + " is not a journal");
    const std::string version = format.substr(std::strlen(kFormatPrefix));
    if (version != "1" && version != std::to_string(kFormat))
        throw std::runtime_error(source + " is a journal of format " + version + ", which this macvlan-conformance (formats 1 to " +
                                 std::to_string(kFormat) + ") cannot replay: run `restore` with the version that wrote it");
    InterfaceJournal journal;
    journal.pid = whole_number<int>(j, "pid");
    journal.started = j.at("started");
    journal.machine_netns = j.contains("machine_netns") ? whole_number<uint64_t>(j, "machine_netns") : 0;
    journal.pinned_namespaces = j.at("pinned_namespaces").get<std::vector<std::string>>();
    for (const auto& i : j.at("interfaces")) journal.interfaces.push_back(InterfaceState::from_json(i));
    if (j.contains("remote")) {
        const auto& r = j.at("remote");
        journal.remote = {r.at("destination"), r.at("ssh_config"), InterfaceState::from_json(r.at("original")),
                          r.at("ranges").get<std::vector<std::string>>()};
    }
    return journal;
}

std::vector<std::filesystem::path> InterfaceJournal::list() {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(kDirectory, ec))
        if (e.path().extension() == ".json" && e.path().filename().string().rfind("journal-", 0) == 0) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> restore_interfaces(const InterfaceJournal& journal, const NetNamespace& machine) {
    std::vector<std::string> problems;
    Rtnl rtnl(machine);

    // 1. Bring moved interfaces home. A pinned namespace survives the process that pinned it.
    for (const auto& name : journal.pinned_namespaces) {
        try {
            const NetNamespace pinned = NetNamespace::open("/run/netns/" + name);
            Rtnl inside(pinned);
            for (const auto& state : journal.interfaces)
                if (auto l = inside.find_link(state.name)) inside.move_to(l->ifindex, machine);
        } catch (const std::exception& e) {
            if (std::filesystem::exists("/run/netns/" + name)) problems.push_back("namespace " + name + ": " + e.what());
        }
    }

    // 2. Put each interface's link back, its per-device settings, and up/down: all of them before
    // any address work, so that the kernel makes every link-local address (which needs the other
    // end of a cable up too) while the next steps wait for it.
    LinkEvents events(machine);
    std::vector<std::pair<const InterfaceState*, int>> present;
    for (const auto& state : journal.interfaces) {
        const auto link = rtnl.find_link(state.name);
        if (!link) {
            problems.push_back(state.name + " (" + state.role + ") is missing from the machine's namespace");
            continue;
        }
        const int ifindex = link->ifindex;
        try {
            if (link->mac != state.mac) rtnl.set_mac(ifindex, state.mac);
            if (link->mtu != state.mtu) rtnl.set_mtu(ifindex, state.mtu);
            const int master = state.master.empty() ? 0 : rtnl.link(state.master).ifindex;
            if (link->master_ifindex != master) rtnl.set_master(ifindex, master);
            if (((link->flags & IFF_PROMISC) != 0) != state.promisc_flag) rtnl.set_promisc(ifindex, state.promisc_flag);
            // After the MTU (ipv6 mtu may not exceed it) and, for a peer that came home down, before
            // it goes up: NETDEV_UP makes the link-local address that addr_gen_mode and
            // disable_ipv6 say, and a move left the machine namespace's defaults in them.
            if (state.settings)
                for (auto& p : write_device_settings(rtnl, machine, ifindex, *state.settings)) problems.push_back(std::move(p));
            if (link->up() != state.up) rtnl.set_up(ifindex, state.up);
        } catch (const std::exception& e) {
            problems.push_back(state.name + ": " + e.what());
            continue;
        }
        present.emplace_back(&state, ifindex);
    }

    // 3. Addresses, then the wait, then the verification.
    for (const auto& [state, ifindex] : present) {
        try {
            const auto now = addresses_of(rtnl, ifindex);
            for (const auto& a : now)
                if (!is_link_local(a) && !contains(state->addresses, a)) delete_address_text(rtnl, ifindex, a);
            for (const auto& a : state->addresses)
                if (!is_link_local(a) && !contains(now, a)) rtnl.add_address_text(ifindex, a);
        } catch (const std::exception& e) {
            problems.push_back(state->name + ": " + e.what());
            continue;
        }
        // Slaves of a killed run live in namespaces the kernel dismantles asynchronously; their
        // promiscuity references and the kernel-made link-local address come back on their own.
        // A link-local address the journal lacks does not hold the wait up: it goes next.
        events.wait_until(
            // Structured bindings captured by name: clang before 16 cannot capture them implicitly.
            [&, state = state, ifindex = ifindex] {
                const auto s = InterfaceState::capture(rtnl, ifindex, state->role);
                std::vector<std::string> journaled;
                for (const auto& a : s.addresses)
                    if (!is_link_local(a) || contains(state->addresses, a)) journaled.push_back(a);
                return s.promiscuity == state->promiscuity && journaled == state->addresses && s.uppers == state->uppers;
            },
            std::chrono::seconds(10));
        // What the kernel did not make as journaled: a link-local address it made that the journal
        // lacks goes (made before the settings were back, or by a random addr_gen_mode, which makes
        // another one each time), and one the journal has that did not come back is added.
        try {
            const auto now = addresses_of(rtnl, ifindex);
            for (const auto& a : now)
                if (is_link_local(a) && !contains(state->addresses, a)) delete_address_text(rtnl, ifindex, a);
            for (const auto& a : state->addresses)
                if (is_link_local(a) && !contains(now, a)) rtnl.add_address_text(ifindex, a);
        } catch (const std::exception& e) {
            problems.push_back(state->name + ": " + e.what());
        }
        auto now = state->settings ? InterfaceState::capture_with_settings(rtnl, machine, ifindex, state->role)
                                   : InterfaceState::capture(rtnl, ifindex, state->role);
        now.ifindex = state->ifindex;
        for (const auto& d : now.differences(*state)) problems.push_back(d);
    }

    // 4. Unpin what the run pinned, and forget the journal once everything is back.
    for (const auto& name : journal.pinned_namespaces) unpin(name, problems);
    return problems;
}

}  // namespace mvc
