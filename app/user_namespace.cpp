// SPDX-License-Identifier: MIT
#include "user_namespace.hpp"

#include <sched.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "error.hpp"

namespace mvc {

namespace {
bool write_file(const char* path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    out.flush();
    return static_cast<bool>(out);
}
}  // namespace

std::string enter_rootless_user_namespace() {
    const uid_t uid = ::getuid();
    const gid_t gid = ::getgid();
    if (::unshare(CLONE_NEWUSER) != 0)
        return "unshare(CLONE_NEWUSER) failed with " + errno_name(errno) +
               " (unprivileged user namespaces are disabled here, see user.max_user_namespaces)";
    // setgroups must be denied before an unprivileged process may write gid_map (user_namespaces(7)).
    if (!write_file("/proc/self/setgroups", "deny") || !write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
        !write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
        return std::string("cannot map this user to root in the new user namespace: ") + std::strerror(errno);
    return "";
}

}  // namespace mvc
