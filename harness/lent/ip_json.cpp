// SPDX-License-Identifier: MIT
#include "ip_json.hpp"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "remote_shell.hpp"

namespace mvc::ip_json {

namespace {

using nlohmann::json;

json parse(const std::string& text, const std::string& command) {
    try {
        return json::parse(text);
    } catch (const json::exception&) {
        throw RemoteError(command + " did not print JSON but \"" + text.substr(0, text.find('\n')).substr(0, 120) +
                          "\": iproute2 4.13 or newer is needed for `ip -j`, and nothing else may print on a non-interactive "
                          "login (check the remote user's shell startup files)");
    }
}

[[noreturn]] void malformed(const std::string& command, const std::string& problem) {
    throw RemoteError(command + " printed JSON that is not iproute2's: " + problem);
}

// iproute2 prints a list of objects for every `show`.
const json& objects(const json& doc, const std::string& command) {
    if (!doc.is_array()) malformed(command, "not a list");
    for (const auto& o : doc)
        if (!o.is_object()) malformed(command, "an entry of the list is not an object");
    return doc;
}

std::string text(const json& object, const char* key, const std::string& command) {
    const auto it = object.find(key);
    if (it == object.end()) return "";
    if (!it->is_string()) malformed(command, std::string("\"") + key + "\" is not a string");
    return it->get<std::string>();
}

template <typename T>
T number(const json& object, const char* key, const std::string& command) {
    const auto it = object.find(key);
    if (it == object.end()) return 0;
    bool in_range = false;
    if (it->is_number_unsigned())
        in_range = it->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
    else if (it->is_number_integer())
        in_range = it->get<int64_t>() >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                   it->get<int64_t>() <= static_cast<int64_t>(std::numeric_limits<T>::max());
    if (!in_range) malformed(command, std::string("\"") + key + "\" is not a whole number in range");
    return static_cast<T>(it->get<int64_t>());
}

bool has_flag(const json& link, const std::string& flag, const std::string& command) {
    const auto it = link.find("flags");
    if (it == link.end()) return false;
    if (!it->is_array()) malformed(command, "\"flags\" is not a list");
    return std::any_of(it->begin(), it->end(), [&](const json& f) { return f.is_string() && f.get<std::string>() == flag; });
}

}  // namespace

InterfaceState interface_state(const std::string& ifname, const std::string& link_show, const std::string& address_show,
                               const std::string& all_links_show) {
    const std::string show = "ip -j -d link show dev " + ifname;
    const auto links = parse(link_show, show);
    if (objects(links, show).empty()) throw RemoteError(show + " printed no interface '" + ifname + "'");
    const auto& l = links.front();
    InterfaceState s;
    s.role = "remote peer";
    s.name = ifname;
    s.ifindex = number<int>(l, "ifindex", show);
    const std::string mac = text(l, "address", show);
    try {
        s.mac = MacAddress::parse(mac.empty() ? "00:00:00:00:00:00" : mac);
    } catch (const std::invalid_argument&) {
        malformed(show, "\"address\" \"" + mac.substr(0, 60) + "\" is not an Ethernet address (only an Ethernet port can be lent)");
    }
    s.mtu = number<unsigned>(l, "mtu", show);
    s.up = has_flag(l, "UP", show);
    s.promisc_flag = has_flag(l, "PROMISC", show);
    s.promiscuity = number<uint32_t>(l, "promiscuity", show);
    s.master = text(l, "master", show);

    const std::string addr = "ip -j address show dev " + ifname;
    // Each document in a local: in `for (x : objects(parse(...)))` the parsed temporary is gone
    // before the loop starts (found by fuzz_remote_ip_json: stack-use-after-scope).
    const auto addresses = parse(address_show, addr);
    for (const auto& link : objects(addresses, addr)) {
        const auto info = link.find("addr_info");
        if (info == link.end()) continue;
        if (!objects(*info, addr).empty())
            for (const auto& a : *info)
                if (a.contains("local"))
                    s.addresses.push_back(text(a, "local", addr) + "/" + std::to_string(number<int>(a, "prefixlen", addr)));
    }
    std::sort(s.addresses.begin(), s.addresses.end());

    const std::string all = "ip -j -d link show";
    const auto all_links = parse(all_links_show, all);
    for (const auto& other : objects(all_links, all)) {
        bool veth = false;
        if (const auto info = other.find("linkinfo"); info != other.end()) {
            if (!info->is_object()) malformed(all, "\"linkinfo\" is not an object");
            veth = text(*info, "info_kind", all) == "veth";
        }
        if (text(other, "link", all) == ifname && !other.contains("link_netnsid") && !veth) s.uppers.push_back(text(other, "ifname", all));
    }
    std::sort(s.uppers.begin(), s.uppers.end());
    return s;
}

std::vector<IpPrefix> route_destinations(const std::string& route_show) {
    const std::string show = "ip -j route show";
    std::vector<IpPrefix> out;
    const auto routes = parse(route_show, show);
    for (const auto& r : objects(routes, show)) {
        const std::string dst = text(r, "dst", show);
        if (dst.empty() || dst == "default") continue;
        try {
            if (dst.find('/') != std::string::npos) {
                out.push_back(IpPrefix::parse(dst));
            } else {
                const auto a = IpAddress::parse(dst);
                out.push_back({a, a.family() == Family::ipv4 ? 32 : 128});
            }
        } catch (const std::invalid_argument&) {
            // multicast or other route types iproute2 names in words
        }
    }
    return out;
}

bool has_route_through(const std::string& route_show, const std::string& ifname) {
    const std::string show = "ip -j route show default";
    const auto routes = parse(route_show, show);
    const auto& list = objects(routes, show);
    return std::any_of(list.begin(), list.end(), [&](const json& r) { return text(r, "dev", show) == ifname; });
}

std::string route_device(const std::string& route_get) {
    const std::string get = "ip -j route get";
    const auto routes = parse(route_get, get);
    return objects(routes, get).empty() ? "" : text(routes.front(), "dev", get);
}

bool up_with_carrier(const std::string& link_show) {
    const std::string show = "ip -j link show";
    const auto links = parse(link_show, show);
    return !objects(links, show).empty() && has_flag(links.front(), "UP", show) && has_flag(links.front(), "LOWER_UP", show);
}

}  // namespace mvc::ip_json
