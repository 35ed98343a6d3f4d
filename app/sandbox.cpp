// SPDX-License-Identifier: MIT
#include "sandbox.hpp"

#include <cerrno>

#include "error.hpp"

namespace mvc {

Capabilities enter_sandbox_and_probe(std::optional<NetNamespace>* machine, const std::string& unprivileged_reason) {
    try {
        auto original = NetNamespace::of_current_thread();
        NetNamespace::create().enter();
        if (machine) machine->emplace(std::move(original));
        return Capabilities::probe();
    } catch (const SystemError& e) {
        if (e.error() != EPERM) throw;
        return Capabilities::unprivileged(std::string("cannot create a network namespace: ") + e.what() + " (" +
                                          unprivileged_reason + ")");
    }
}

}  // namespace mvc
