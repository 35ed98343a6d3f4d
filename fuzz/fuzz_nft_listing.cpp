// SPDX-License-Identifier: MIT
// libnftables' JSON answers RandomLoss reads (harness/kernel/random_loss, --inject-fault loss:N):
// the first byte picks the set listing or the counter listing, the rest is the text. Text that is
// not such a listing is refused with std::invalid_argument; any other exception, a memory error or
// undefined behaviour is a crash.
#include <stdexcept>
#include <string_view>

#include "random_loss.hpp"

using namespace mvc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        if (data[0] % 2 == 0)
            (void)parse_nft_set_listing(text);
        else
            (void)parse_nft_counter_listing(text);
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
