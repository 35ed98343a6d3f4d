// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "unique_fd.hpp"

namespace mvc {

// A network namespace held only by a file descriptor: no /run/netns name, so the kernel reclaims it
// and every link inside it when the last descriptor closes, also when the process is SIGKILLed.
class NetNamespace {
public:
    static NetNamespace create();           // a fresh, empty, anonymous namespace
    static NetNamespace of_current_thread();
    // An existing namespace by path, e.g. /proc/<pid>/ns/net of a container's process. Throws
    // when the path is not a network namespace.
    static NetNamespace open(const std::string& path);

    NetNamespace(NetNamespace&&) noexcept = default;
    NetNamespace& operator=(NetNamespace&&) noexcept = default;

    // Another descriptor for the same namespace, for a second owner with its own lifetime.
    NetNamespace clone() const;

    int fd() const { return fd_.get(); }
    ino_t inode() const { return inode_; }

    // Runs fn on a thread that has entered this namespace and returns its result (or rethrows).
    // Sockets opened inside fn belong to this namespace for their whole life, whichever thread
    // uses them later: that is how probes and netlink sockets are created.
    template <typename Fn>
    auto run(Fn&& fn) const -> std::invoke_result_t<Fn&> {
        using Result = std::invoke_result_t<Fn&>;
        std::exception_ptr failure;
        if constexpr (std::is_void_v<Result>) {
            std::thread worker([&] {
                try {
                    enter();
                    fn();
                } catch (...) {
                    failure = std::current_exception();
                }
            });
            worker.join();
            if (failure) std::rethrow_exception(failure);
        } else {
            std::optional<Result> result;
            std::thread worker([&] {
                try {
                    enter();
                    result.emplace(fn());
                } catch (...) {
                    failure = std::current_exception();
                }
            });
            worker.join();
            if (failure) std::rethrow_exception(failure);
            return std::move(*result);
        }
    }

    // Moves the calling thread into this namespace for good. Used once, for the run's sandbox.
    void enter() const;

private:
    explicit NetNamespace(UniqueFd fd);
    UniqueFd fd_;
    ino_t inode_ = 0;
};

}  // namespace mvc
