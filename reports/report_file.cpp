// SPDX-License-Identifier: MIT
#include "report_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mvc {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& file, const char* step, int error) {
    throw std::runtime_error("cannot write the " + what + " to " + file.string() + ": " + step + " failed: " + std::strerror(error));
}

}  // namespace

// POSIX calls rather than an ofstream: a stream hides which step failed and loses errno, and its
// buffering moves a write error to a close nobody checks.
void write_report_file(const std::filesystem::path& file, const std::string& text, const std::string& what) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(what, file, "open", errno);
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int error = n < 0 ? errno : EIO;
            ::close(fd);
            fail(what, file, "write", error);
        }
        done += static_cast<size_t>(n);
    }
    // A regular file's data may still only be in the page cache; fsync reports a late I/O error.
    // /dev/full and pipes do not support it (EINVAL), which is no write error.
    if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
        const int error = errno;
        ::close(fd);
        fail(what, file, "fsync", error);
    }
    if (::close(fd) != 0) fail(what, file, "close", errno);
}

void write_report_stream(std::ostream& out, const std::string& text, const std::string& what) {
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("cannot write the " + what + " to standard output");
}

}  // namespace mvc
