// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "container_engine.hpp"
#include "engine_inspect.hpp"

namespace mvc {

// `<client> network inspect name`, read. Throws EngineError when there is no such network, and
// std::runtime_error when the answer cannot be read.
NetworkView inspect_network(const ContainerEngine& engine, const std::string& name);

}  // namespace mvc
