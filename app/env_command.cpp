// SPDX-License-Identifier: MIT
#include <iostream>

#include "commands.hpp"
#include "environment.hpp"
#include "sandbox.hpp"

namespace mvc {

int env_command(const CliOptions& options, const std::string& unprivileged_reason) {
    const auto environment = Environment::observe(enter_sandbox_and_probe(nullptr, unprivileged_reason));
    std::cout << (options.env_json ? environment.json().dump(2) + "\n" : environment.text());
    return kExitPass;
}

}  // namespace mvc
