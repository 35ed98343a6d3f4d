// SPDX-License-Identifier: MIT
#include "cni_result.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace mvc {

using nlohmann::json;

std::pair<IpAddress, int> parse_cidr(const std::string& text) {
    const auto slash = text.find('/');
    if (slash == std::string::npos) throw std::invalid_argument("\"" + text + "\" has no prefix length");
    const IpAddress address = IpAddress::parse(text.substr(0, slash));
    size_t used = 0;
    const int length = std::stoi(text.substr(slash + 1), &used);
    const int most = address.family() == Family::ipv4 ? 32 : 128;
    if (used != text.size() - slash - 1 || length < 0 || length > most)
        throw std::invalid_argument("\"" + text + "\" has a bad prefix length");
    return {address, length};
}

namespace {

const json& field(const json& object, const char* name, json::value_t type, const std::string& where) {
    if (!object.is_object() || !object.contains(name)) throw std::runtime_error(where + " has no \"" + name + "\"");
    const json& v = object.at(name);
    if (v.type() != type && !(type == json::value_t::number_integer && v.is_number_unsigned()))
        throw std::runtime_error(where + "." + name + " is " + v.type_name());
    return v;
}

std::optional<std::string> optional_string(const json& object, const char* name, const std::string& where) {
    if (!object.contains(name)) return std::nullopt;
    if (!object.at(name).is_string()) throw std::runtime_error(where + "." + name + " is no string");
    return object.at(name).get<std::string>();
}

}  // namespace

CniResult CniResult::parse(const std::string& text) {
    CniResult r;
    r.text = text;
    const json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) throw std::runtime_error("the result is no JSON object: " + text);
    r.cni_version = field(doc, "cniVersion", json::value_t::string, "result").get<std::string>();
    try {
        if (doc.contains("interfaces"))
            for (size_t i = 0; i < doc.at("interfaces").size(); ++i) {
                const std::string where = "interfaces[" + std::to_string(i) + "]";
                const json& j = doc.at("interfaces").at(i);
                r.interfaces.push_back({field(j, "name", json::value_t::string, where).get<std::string>(),
                                        optional_string(j, "mac", where).value_or(""),
                                        optional_string(j, "sandbox", where).value_or("")});
            }
        if (doc.contains("ips"))
            for (size_t i = 0; i < doc.at("ips").size(); ++i) {
                const std::string where = "ips[" + std::to_string(i) + "]";
                const json& j = doc.at("ips").at(i);
                Ip ip;
                std::tie(ip.address, ip.prefix_length) = parse_cidr(field(j, "address", json::value_t::string, where).get<std::string>());
                if (const auto gw = optional_string(j, "gateway", where)) ip.gateway = IpAddress::parse(*gw);
                if (j.contains("interface")) {
                    ip.interface = field(j, "interface", json::value_t::number_integer, where).get<int>();
                    if (*ip.interface < 0 || static_cast<size_t>(*ip.interface) >= r.interfaces.size())
                        throw std::runtime_error(where + ".interface " + std::to_string(*ip.interface) + " points to no interface");
                }
                r.ips.push_back(ip);
            }
        if (doc.contains("routes"))
            for (size_t i = 0; i < doc.at("routes").size(); ++i) {
                const std::string where = "routes[" + std::to_string(i) + "]";
                const json& j = doc.at("routes").at(i);
                Route route;
                std::tie(route.destination, route.prefix_length) =
                    parse_cidr(field(j, "dst", json::value_t::string, where).get<std::string>());
                if (const auto gw = optional_string(j, "gw", where)) route.gateway = IpAddress::parse(*gw);
                r.routes.push_back(route);
            }
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("the result has a bad address: ") + e.what());
    } catch (const json::exception& e) {
        throw std::runtime_error(std::string("the result is malformed: ") + e.what());
    }
    return r;
}

const CniResult::Interface& CniResult::pod_interface(const std::string& ifname) const {
    for (const auto& i : interfaces)
        if (i.name == ifname && !i.sandbox.empty()) return i;
    throw std::runtime_error("the result lists no interface " + ifname + " inside a sandbox: " + text);
}

}  // namespace mvc
