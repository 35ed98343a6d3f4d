// SPDX-License-Identifier: MIT
#include "probe_frame.hpp"

#include <algorithm>
#include <iterator>

namespace mvc {

namespace {
constexpr uint8_t kMagic[] = {'M', 'V', 'C', 'B'};
constexpr size_t kPayloadStart = 14;  // after the Ethernet header
constexpr size_t kFields = 5;
// Short frames are padded to the Ethernet minimum anyway; the fields fit well inside it.
constexpr size_t kPayloadSize = std::size(kMagic) + kFields;
}  // namespace

std::vector<uint8_t> probe_payload(const ProbeFrame& f) {
    std::vector<uint8_t> payload(kPayloadSize, 0);
    auto out = std::copy(std::begin(kMagic), std::end(kMagic), payload.begin());
    *out++ = static_cast<uint8_t>(f.type);
    if (f.type == ProbeFrame::Type::control) {
        *out++ = f.phase;
        *out++ = f.sender;
    } else {
        *out++ = static_cast<uint8_t>(f.kind);
        *out++ = f.sender;
        *out++ = f.group;
        *out++ = f.round;
    }
    return payload;
}

std::optional<ProbeFrame> decode_probe_frame(const std::vector<uint8_t>& frame, size_t senders, size_t groups) {
    if (frame.size() < kPayloadStart + kPayloadSize ||
        !std::equal(std::begin(kMagic), std::end(kMagic), frame.begin() + kPayloadStart))
        return std::nullopt;
    const uint8_t* fields = frame.data() + kPayloadStart + std::size(kMagic);
    ProbeFrame f;
    f.sender = fields[2];
    if (f.sender >= senders) return std::nullopt;
    if (fields[0] == static_cast<uint8_t>(ProbeFrame::Type::control)) {
        f.type = ProbeFrame::Type::control;
        f.phase = fields[1];
        if (f.phase >= kProbePhases) return std::nullopt;
        return f;
    }
    if (fields[0] != static_cast<uint8_t>(ProbeFrame::Type::test)) return std::nullopt;
    f.type = ProbeFrame::Type::test;
    // Only the kinds there are: a byte cast to FrameKind unchecked would be a value the enum
    // cannot hold.
    if (fields[1] == static_cast<uint8_t>(FrameKind::broadcast))
        f.kind = FrameKind::broadcast;
    else if (fields[1] == static_cast<uint8_t>(FrameKind::multicast))
        f.kind = FrameKind::multicast;
    else
        return std::nullopt;
    f.group = fields[3];
    // A broadcast carries group 0; a multicast group beyond the probe's list would count as a
    // group received that was never sent.
    if (f.kind == FrameKind::broadcast ? f.group != 0 : f.group >= groups) return std::nullopt;
    f.round = fields[4];
    return f;
}

}  // namespace mvc
