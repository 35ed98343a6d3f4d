// SPDX-License-Identifier: MIT
#include "kernel_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "error.hpp"

namespace mvc {

KernelLog::KernelLog() : fd_(::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC)) {
    if (!fd_) throw_errno("open /dev/kmsg");
    if (::lseek(fd_.get(), 0, SEEK_END) < 0) throw_errno("seek to the end of /dev/kmsg");
}

std::vector<KmsgRecord> KernelLog::read_new() {
    std::vector<KmsgRecord> out;
    char buffer[8192];  // one read() returns one whole record (at most ~1 KiB of text plus its dictionary)
    for (;;) {
        const ssize_t n = ::read(fd_.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EPIPE) {  // overwritten before we read it: the next read resumes at the oldest record kept
                ++missed_;
                continue;
            }
            if (errno == EAGAIN) break;
            throw_errno("read /dev/kmsg");
        }
        if (n == 0) break;
        if (auto r = parse_kmsg_record(std::string_view(buffer, static_cast<size_t>(n)))) out.push_back(std::move(*r));
    }
    return out;
}

}  // namespace mvc
