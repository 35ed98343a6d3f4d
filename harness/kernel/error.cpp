// SPDX-License-Identifier: MIT
#include "error.hpp"

#include <cstring>

namespace mvc {

namespace {
std::string describe(int error) {
    return errno_name(error) + " (" + std::strerror(error) + ")";
}
}  // namespace

SystemError::SystemError(const std::string& what, int error)
    : std::runtime_error(what + ": " + describe(error)), error_(error) {}

void throw_errno(const std::string& what, int error) { throw SystemError(what, error); }

NetlinkError::NetlinkError(const std::string& request, int error, std::string extack)
    : std::runtime_error(request + ": " + describe(error) + (extack.empty() ? "" : " — kernel says: " + extack)),
      error_(error),
      extack_(std::move(extack)) {}

std::string errno_name(int error) {
    if (const char* name = strerrorname_np(error)) return name;
    return std::to_string(error);
}

}  // namespace mvc
