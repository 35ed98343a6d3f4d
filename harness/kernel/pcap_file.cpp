// SPDX-License-Identifier: MIT
#include "pcap_file.hpp"

#include <pcap/pcap.h>

#include <memory>
#include <stdexcept>

namespace mvc {

void write_pcap(const std::filesystem::path& file, const std::vector<ReceivedFrame>& frames) {
    std::unique_ptr<pcap_t, void (*)(pcap_t*)> handle(pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO),
                                                      pcap_close);
    if (!handle) throw std::runtime_error("pcap_open_dead failed");
    std::unique_ptr<pcap_dumper_t, void (*)(pcap_dumper_t*)> dumper(pcap_dump_open(handle.get(), file.c_str()), pcap_dump_close);
    if (!dumper) throw std::runtime_error("cannot write " + file.string() + ": " + pcap_geterr(handle.get()));
    for (const auto& f : frames) {
        pcap_pkthdr header{};
        header.ts.tv_sec = f.stamp.tv_sec;
        header.ts.tv_usec = f.stamp.tv_nsec;  // nanoseconds: the file was opened with nano precision
        header.caplen = header.len = static_cast<bpf_u_int32>(f.frame.size());
        pcap_dump(reinterpret_cast<u_char*>(dumper.get()), &header, f.frame.data());
    }
}

}  // namespace mvc
