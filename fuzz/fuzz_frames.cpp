// SPDX-License-Identifier: MIT
// Frames and datagrams the probes read off the wire: the addresses of ARP, IPv4 and IPv6 frames
// (captures, transmit controls), ICMP and ICMPv6 echo replies (raw sockets), and the delivery
// probe's own frames. Anything may arrive on a port. A reader must stay within the input and
// return only values in range; anything else is a crash.
#include <cstdlib>

#include "echo_reply.hpp"
#include "packet_socket.hpp"
#include "probe_frame.hpp"

using namespace mvc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const Frame frame(data, data + size);
    (void)frame_source_address(frame);
    (void)frame_destination_address(frame);
    (void)parse_echo_reply(Family::ipv4, data, size);
    (void)parse_echo_reply(Family::ipv6, data, size);
    // The sizes the probe's lists can have: the first byte chooses them.
    const size_t senders = size > 0 ? data[0] % 8 : 0, groups = size > 0 ? data[0] / 32 : 0;
    if (const auto f = decode_probe_frame(frame, senders, groups)) {
        if (f->sender >= senders) std::abort();
        if (f->type == ProbeFrame::Type::control && f->phase >= kProbePhases) std::abort();
        if (f->type == ProbeFrame::Type::test && f->kind == FrameKind::multicast && f->group >= groups) std::abort();
        // What decodes, encodes to a frame that decodes to the same.
        Frame again(14, 0);
        const auto payload = probe_payload(*f);
        again.insert(again.end(), payload.begin(), payload.end());
        if (decode_probe_frame(again, senders, groups) != f) std::abort();
    }
    return 0;
}
