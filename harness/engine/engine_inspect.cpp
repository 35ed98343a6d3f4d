// SPDX-License-Identifier: MIT
#include "engine_inspect.hpp"

#include <nlohmann/json.hpp>

#include <limits>

namespace mvc {

using nlohmann::json;

namespace {

// An object member that may be absent or of another type: what the engines omit is "".
std::string text_of(const json& object, const char* key) {
    if (!object.is_object()) return "";
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

const json& member(const json& object, const char* key, const json& fallback) {
    if (!object.is_object()) return fallback;
    auto it = object.find(key);
    return it != object.end() ? *it : fallback;
}

// `inspect` prints an array with one object per name asked for.
json first_object(const std::string& text) {
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::exception& e) {
        throw InspectError(std::string("not JSON: ") + e.what());
    }
    if (!doc.is_array() || doc.empty() || !doc.front().is_object()) throw InspectError("not an array holding one object");
    return doc.front();
}

std::optional<IpAddress> address_or_none(const std::string& text, const char* field) {
    if (text.empty()) return std::nullopt;
    try {
        return IpAddress::parse(text);
    } catch (const std::invalid_argument&) {
        throw InspectError(std::string(field) + " is no IP address: \"" + text + "\"");
    }
}

}  // namespace

NetworkView read_network_inspect(EngineKind kind, const std::string& text) {
    const json info = first_object(text);
    const json none = json::object();
    NetworkView view;
    const bool docker = kind == EngineKind::docker;
    view.driver = text_of(info, docker ? "Driver" : "driver");
    const json& options = member(info, docker ? "Options" : "options", none);
    view.mode = text_of(options, docker ? "macvlan_mode" : "mode");
    view.parent = docker ? text_of(options, "parent") : text_of(info, "network_interface");
    const json& subnets = docker ? member(member(info, "IPAM", none), "Config", none) : member(info, "subnets", none);
    if (subnets.is_array())
        for (const auto& s : subnets)
            view.subnets.push_back({text_of(s, docker ? "Subnet" : "subnet"), text_of(s, docker ? "Gateway" : "gateway")});
    return view;
}

ContainerView read_container_inspect(const std::string& text, const std::string& network) {
    const json info = first_object(text);
    const json none = json::object();
    ContainerView view;
    const json& pid = member(member(info, "State", none), "Pid", none);
    if (!pid.is_number_integer() || pid.get<long long>() <= 0 || pid.get<long long>() > std::numeric_limits<int>::max())
        throw InspectError("State.Pid is no running process's id");
    view.pid = static_cast<int>(pid.get<long long>());
    const json& net = member(member(member(info, "NetworkSettings", none), "Networks", none), network.c_str(), none);
    if (!net.is_object() || net.empty()) throw InspectError("the container is not on network " + network);
    view.v4 = address_or_none(text_of(net, "IPAddress"), "IPAddress");
    view.v6 = address_or_none(text_of(net, "GlobalIPv6Address"), "GlobalIPv6Address");
    view.mac = text_of(net, "MacAddress");
    return view;
}

}  // namespace mvc
