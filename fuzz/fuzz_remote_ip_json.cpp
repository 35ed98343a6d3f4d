// SPDX-License-Identifier: MIT
// What a remote host's `ip -j` prints (harness/lent/ip_json), as --remote reads it over ssh. The
// first byte picks the reader; for the interface, the rest is split at NUL bytes into the three
// outputs it reads. Output that is not iproute2's is refused with a RemoteError; anything else is
// a crash.
#include <string>
#include <vector>

#include "ip_json.hpp"
#include "remote_shell.hpp"

using namespace mvc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        switch (data[0] % 5) {
            case 0: {
                std::vector<std::string> parts{""};
                for (char c : text) {
                    if (c == '\0')
                        parts.emplace_back();
                    else
                        parts.back().push_back(c);
                }
                parts.resize(3);
                (void)ip_json::interface_state("eth1", parts[0], parts[1], parts[2]);
                break;
            }
            case 1: (void)ip_json::route_destinations(text); break;
            case 2: (void)ip_json::has_route_through(text, "eth1"); break;
            case 3: (void)ip_json::route_device(text); break;
            case 4: (void)ip_json::up_with_carrier(text); break;
        }
    } catch (const RemoteError&) {
    }
    return 0;
}
