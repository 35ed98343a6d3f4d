// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <vector>

#include "packet_socket.hpp"

namespace mvc {

// Writes Ethernet frames as a classic pcap file (libpcap's own writer, so tcpdump and wireshark
// read it without surprises).
void write_pcap(const std::filesystem::path& file, const std::vector<ReceivedFrame>& frames);

}  // namespace mvc
