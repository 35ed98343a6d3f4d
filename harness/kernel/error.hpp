// SPDX-License-Identifier: MIT
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>

namespace mvc {

// A failed system call, keeping the errno so callers (and errno assertions) can inspect it.
class SystemError : public std::runtime_error {
public:
    SystemError(const std::string& what, int error);
    int error() const { return error_; }

private:
    int error_;
};

[[noreturn]] void throw_errno(const std::string& what, int error = errno);

// A refused rtnetlink request: the kernel's errno and its extended-ack text, if it sent one.
class NetlinkError : public std::runtime_error {
public:
    NetlinkError(const std::string& request, int error, std::string extack);
    int error() const { return error_; }
    const std::string& extack() const { return extack_; }

private:
    int error_;
    std::string extack_;
};

std::string errno_name(int error);  // "EINVAL", "EADDRINUSE", ... or the number

}  // namespace mvc
