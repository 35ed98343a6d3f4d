// SPDX-License-Identifier: MIT
#include "engine_networks.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace mvc {

using nlohmann::json;

NetworkView inspect_network(const ContainerEngine& engine, const std::string& name) {
    const std::string text = engine.check({"network", "inspect", name});
    NetworkView view;
    try {
        const json info = json::parse(text).at(0);
        if (engine.kind() == EngineKind::docker) {
            view.driver = info.value("Driver", "");
            const json& options = info.contains("Options") && info.at("Options").is_object() ? info.at("Options") : json::object();
            view.parent = options.value("parent", "");
            view.mode = options.value("macvlan_mode", "");
            if (info.contains("IPAM") && info.at("IPAM").contains("Config") && info.at("IPAM").at("Config").is_array())
                for (const auto& c : info.at("IPAM").at("Config"))
                    view.subnets.push_back({c.value("Subnet", ""), c.value("Gateway", "")});
        } else {
            view.driver = info.value("driver", "");
            view.parent = info.value("network_interface", "");
            const json& options = info.contains("options") && info.at("options").is_object() ? info.at("options") : json::object();
            view.mode = options.value("mode", "");
            if (info.contains("subnets") && info.at("subnets").is_array())
                for (const auto& c : info.at("subnets")) view.subnets.push_back({c.value("subnet", ""), c.value("gateway", "")});
        }
    } catch (const json::exception& e) {
        throw std::runtime_error(std::string("cannot read `") + engine.dialect().client + " network inspect " + name +
                                 "`: " + e.what() + "\n" + text);
    }
    return view;
}

}  // namespace mvc
