// SPDX-License-Identifier: MIT
#include "frame_kind.hpp"

#include <stdexcept>
#include <string>

namespace mvc {

std::string_view to_string(FrameKind frame) { return frame == FrameKind::broadcast ? "broadcast" : "multicast"; }

FrameKind frame_kind_from_string(std::string_view text) {
    for (auto f : kAllFrameKinds)
        if (to_string(f) == text) return f;
    throw std::invalid_argument("unknown frame kind '" + std::string(text) + "' (valid: broadcast, multicast)");
}

}  // namespace mvc
