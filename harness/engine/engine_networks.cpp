// SPDX-License-Identifier: MIT
#include "engine_networks.hpp"

#include <stdexcept>

namespace mvc {

NetworkView inspect_network(const ContainerEngine& engine, const std::string& name) {
    const std::string text = engine.check({"network", "inspect", name});
    try {
        return read_network_inspect(engine.kind(), text);
    } catch (const InspectError& e) {
        throw std::runtime_error(std::string("cannot read `") + engine.dialect().client + " network inspect " + name + "`: " + e.what() +
                                 "\n" + text);
    }
}

}  // namespace mvc
