// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

namespace mvc {

// The two kinds of group-addressed frame whose delivery macvlan decides per mode.
enum class FrameKind { broadcast, multicast };
inline constexpr FrameKind kAllFrameKinds[] = {FrameKind::broadcast, FrameKind::multicast};
std::string_view to_string(FrameKind frame);
FrameKind frame_kind_from_string(std::string_view text);  // throws std::invalid_argument

}  // namespace mvc
