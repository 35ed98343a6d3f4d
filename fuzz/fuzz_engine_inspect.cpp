// SPDX-License-Identifier: MIT
// What `docker|podman network inspect` and `container inspect` print (harness/engine/engine_inspect),
// as the engine suites read it. The first byte picks the reader and, for a network, the engine.
// Output the readers cannot use is refused with an InspectError; anything else is a crash.
#include <string>

#include "engine_inspect.hpp"

using namespace mvc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        switch (data[0] % 3) {
            case 0: (void)read_network_inspect(EngineKind::docker, text); break;
            case 1: (void)read_network_inspect(EngineKind::podman, text); break;
            case 2: (void)read_container_inspect(text, "mvc-net"); break;
        }
    } catch (const InspectError&) {
    }
    return 0;
}
