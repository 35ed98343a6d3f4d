// SPDX-License-Identifier: MIT
#include "netns_pin.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.hpp"

namespace mvc {

void pin_namespace(const NetNamespace& ns, const std::string& name) {
    ::mkdir("/run/netns", 0755);  // may exist already
    const std::string path = "/run/netns/" + name;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0) throw_errno("create " + path);
    ::close(fd);
    const std::string source = "/proc/self/fd/" + std::to_string(ns.fd());
    if (::mount(source.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
        const int error = errno;
        ::unlink(path.c_str());
        throw_errno("bind-mount the namespace on " + path, error);
    }
}

}  // namespace mvc
