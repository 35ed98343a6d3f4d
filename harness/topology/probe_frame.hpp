// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "frame_kind.hpp"

namespace mvc {

// The payload of the delivery probe's own frames (kTestEthertype), after the Ethernet header: a
// magic word, then what the frame is. A control says which phase and which sender; a test frame
// says its kind, its sender, its multicast group and its round. Senders and groups are indices
// into the probe's own lists.
struct ProbeFrame {
    enum class Type : uint8_t { control = 1, test = 2 };
    Type type = Type::control;
    uint8_t phase = 0;                        // control: 0 before the test frames, 1 after
    FrameKind kind = FrameKind::broadcast;    // test
    uint8_t sender = 0;
    uint8_t group = 0;                        // test, multicast: the group's index
    uint8_t round = 0;                        // test

    bool operator==(const ProbeFrame&) const = default;
};

inline constexpr uint8_t kProbePhases = 2;

// The payload to put after the Ethernet header.
std::vector<uint8_t> probe_payload(const ProbeFrame& frame);
// A received frame (Ethernet header included) read back; nothing for a frame that is not one of
// the probe's or whose sender, group, phase or kind is out of range (`senders`, `groups`: the
// sizes of the probe's lists). Anything may arrive on a port, so nothing is trusted.
std::optional<ProbeFrame> decode_probe_frame(const std::vector<uint8_t>& frame, size_t senders, size_t groups);

}  // namespace mvc
