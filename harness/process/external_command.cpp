// SPDX-License-Identifier: MIT
#include "external_command.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <fcntl.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/async.hpp>
#include <boost/process/extend.hpp>

#include <future>

namespace mvc {

namespace bp = boost::process;
using namespace std::chrono_literals;

namespace {
// A child that exits without reading all of its input (a program refusing its arguments, `env`
// standing in for a CNI plugin in the unit tests) makes this thread's write fail with EPIPE, and
// the kernel then also sends the thread SIGPIPE (pipe_write in fs/pipe.c), whose default action
// ends the whole run. The write's error is all the caller needs: SIGPIPE is blocked in this thread
// while it feeds the child, one raised meanwhile is taken off the thread's pending set, and the
// thread's mask is put back as it was.
class SigpipeHeld {
public:
    SigpipeHeld() {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        ::pthread_sigmask(SIG_BLOCK, &pipe_, &before_);
    }
    ~SigpipeHeld() {
        const timespec now{0, 0};
        while (::sigtimedwait(&pipe_, nullptr, &now) == SIGPIPE) {
        }
        ::pthread_sigmask(SIG_SETMASK, &before_, nullptr);
    }
    SigpipeHeld(const SigpipeHeld&) = delete;
    SigpipeHeld& operator=(const SigpipeHeld&) = delete;

private:
    sigset_t pipe_{}, before_{};
};
}  // namespace

CommandOutcome run_external(const std::string& exe, const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                            const ExternalOptions& options) {
    CommandOutcome r;
    const std::string& input = options.input;
    const ChildLifetime lifetime = options.lifetime;
    boost::asio::io_context io;
    std::future<std::string> out, err;
    std::error_code spawn_error;
    bp::async_pipe in(io);
    // The child starts with no signal blocked (a lent-wire run blocks SIGINT/SIGTERM/SIGHUP in every
    // thread for its restore thread; an ssh master that inherited that could not be stopped), and
    // keeps no descriptor but its own three across exec: Boost's pipes are not close-on-exec, so a
    // pipe of a command started at the same moment on another thread would otherwise stay open in
    // this child, and that command would not see its end of file until this one exits. Runs after
    // the stdio redirections (it comes last), which have already put the child's pipes on 0, 1, 2.
    const pid_t parent = ::getpid();
    const auto clean_exec = bp::extend::on_exec_setup = [parent, lifetime](auto&) {
        if (lifetime == ChildLifetime::ends_with_caller) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(127);  // the parent died before the request took effect
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
            for (int fd = 3; fd < 4096; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);  // kernels before 5.11
    };
    // Boost.Process replaces the child's environment with the one it is given: this process's own,
    // or exactly the variables the caller named.
    bp::environment environment = boost::this_process::environment();
    if (options.environment) {
        environment.clear();
        // set(), not operator[]: Boost 1.74's environment::find compares "NAME=" over its whole
        // length with every entry, reading past a shorter one (AddressSanitizer: heap-buffer-overflow).
        for (const auto& [name, value] : *options.environment) environment.set(name, value);
    }
    bp::child child(exe, bp::args(args), environment, bp::std_in < in, bp::std_out > out, bp::std_err > err, io, spawn_error,
                    clean_exec);
    if (spawn_error) {
        r.start_error = "cannot start " + exe + ": " + spawn_error.message();
        return r;
    }
    const SigpipeHeld no_sigpipe;  // from the first write to the child's end
    // Closing the pipe after the input is what tells the child its input has ended.
    boost::asio::async_write(in, boost::asio::buffer(input), [&in](const boost::system::error_code&, std::size_t) {
        boost::system::error_code ignored;
        in.close(ignored);
    });
    // The io_context has work until both output pipes reach end of file, i.e. until the child exits.
    io.run_for(timeout);
    const auto ready = [](std::future<std::string>& f) { return f.wait_for(0s) == std::future_status::ready; };
    if (!ready(out) || !ready(err)) {
        r.timed_out = true;
        std::error_code ignored;
        child.terminate(ignored);
        io.restart();
        io.run_for(5s);
    }
    std::error_code wait_error;
    child.wait(wait_error);
    if (!r.timed_out) r.exit_code = child.exit_code();
    if (ready(out)) r.out = out.get();
    if (ready(err)) r.err = err.get();
    return r;
}

}  // namespace mvc
