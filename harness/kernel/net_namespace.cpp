// SPDX-License-Identifier: MIT
#include "net_namespace.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "error.hpp"

namespace mvc {

namespace {
UniqueFd open_thread_netns() {
    UniqueFd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open /proc/thread-self/ns/net");
    return fd;
}
}  // namespace

NetNamespace::NetNamespace(UniqueFd fd) : fd_(std::move(fd)) {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) throw_errno("fstat netns");
    inode_ = st.st_ino;
}

NetNamespace NetNamespace::create() {
    // unshare() only moves the calling thread, so a short-lived thread makes the namespace and
    // hands back a descriptor; the caller's own namespace never changes.
    UniqueFd fd;
    std::exception_ptr failure;
    std::thread maker([&] {
        try {
            if (::unshare(CLONE_NEWNET) != 0) throw_errno("unshare(CLONE_NEWNET)");
            fd = open_thread_netns();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    maker.join();
    if (failure) std::rethrow_exception(failure);
    return NetNamespace(std::move(fd));
}

NetNamespace NetNamespace::of_current_thread() { return NetNamespace(open_thread_netns()); }

NetNamespace NetNamespace::open(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open " + path);
    // setns() would refuse another namespace type only later, with a less helpful EINVAL.
    const int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
    if (type < 0) throw_errno("ioctl(NS_GET_NSTYPE) on " + path);
    if (type != CLONE_NEWNET) throw SystemError(path + " is not a network namespace", EINVAL);
    return NetNamespace(std::move(fd));
}

NetNamespace NetNamespace::clone() const {
    UniqueFd fd(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
    if (!fd) throw_errno("dup netns descriptor");
    return NetNamespace(std::move(fd));
}

void NetNamespace::enter() const {
    if (::setns(fd_.get(), CLONE_NEWNET) != 0) throw_errno("setns(CLONE_NEWNET)");
}

}  // namespace mvc
