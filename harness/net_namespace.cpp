#include "net_namespace.hpp"

#include <fcntl.h>
#include <sched.h>
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

void NetNamespace::enter() const {
    if (::setns(fd_.get(), CLONE_NEWNET) != 0) throw_errno("setns(CLONE_NEWNET)");
}

}  // namespace mvc
