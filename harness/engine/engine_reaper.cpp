// SPDX-License-Identifier: MIT
// The run's side of the reaper: start it, tell it about links, end it. The watcher's side is
// docker_reaper_watch.cpp.
#include "engine_reaper.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <thread>

#include "error.hpp"

namespace mvc {

namespace bp = boost::process;
using namespace std::chrono_literals;
namespace protocol = reaper_protocol;

namespace {

constexpr auto kReadyTimeout = 10s;  // normally a few milliseconds: one exec of this binary

// Starts `program kReaperMode --owner OWNER --client CLIENT` with `theirs` as its standard
// input, in a session of its own, and returns its pid. Not waited for here: finish() does.
pid_t spawn_watcher(const std::filesystem::path& program, int theirs, EngineKind kind, const std::string& client,
                    const std::string& owner) {
    // Runs in the child between fork and exec: only async-signal-safe calls. The run's signal
    // mask (a lent-wire run blocks SIGINT/SIGTERM/SIGHUP) and an ignored SIGCHLD (its children
    // would be reaped before it could wait for them) must not be inherited; nor any descriptor
    // of the run but the socket, which becomes standard input.
    const auto setup = bp::extend::on_exec_setup = [theirs](auto&) {
        ::setsid();
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGCHLD, SIG_DFL);
        ::dup2(theirs, STDIN_FILENO);
        if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
            for (int fd = 3; fd < 4096; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);  // kernels before 5.11
    };
    std::error_code error;
    bp::child child(bp::exe(program.string()),
                    bp::args(std::vector<std::string>{kReaperMode, "--owner", owner, "--engine",
                                                      std::string(to_string(kind)), "--client", client}),
                    bp::std_out > bp::null, error, setup);
    if (error) throw std::runtime_error("cannot start the reaper " + program.string() + ": " + error.message());
    const pid_t pid = child.id();
    child.detach();  // a bp::child that goes out of scope running would terminate it
    return pid;
}

// Reads one line from `fd` within `timeout`; "" on end of file, error or timeout.
std::string read_line(int fd, std::chrono::milliseconds timeout) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return "";
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return "";
        char c;
        const ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return "";
        if (c == '\n') return line;
        line += c;
    }
}

// Waits for `pid` to exit until `deadline`; its wait status, or -1 when it is still running.
int wait_until(pid_t pid, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return status;
        if (r < 0 && errno == ECHILD) return 0;  // reaped by someone else: its status is unknown
        if (std::chrono::steady_clock::now() >= deadline) return -1;
        std::this_thread::sleep_for(10ms);
    }
}

}  // namespace

std::unique_ptr<EngineReaper> EngineReaper::start(const NetNamespace& machine, EngineKind kind, const std::string& client,
                                                  const std::string& owner, const std::filesystem::path& program) {
    int pair[2];
    // Close-on-exec on both ends: no other child of the run may hold the run's end (the watcher
    // would see no end of file while it lives), and the watcher gets its end as standard input.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) throw_errno("socketpair for the Docker reaper");
    UniqueFd ours(pair[0]), theirs(pair[1]);
    // Started from inside the machine's namespace, which it then lives in: the engine's client and
    // the links it may have to delete are there.
    const pid_t pid = machine.run([&] { return spawn_watcher(program, theirs.get(), kind, client, owner); });
    theirs.reset();
    std::unique_ptr<EngineReaper> reaper(new EngineReaper(std::move(ours), pid));
    const std::string hello = read_line(reaper->socket_.get(), kReadyTimeout);
    const std::string expected = std::string(protocol::kReady) + " " + std::to_string(pid);
    if (hello != expected) {
        ::kill(pid, SIGKILL);
        wait_until(pid, std::chrono::steady_clock::now() + 5s);
        reaper->finished_ = true;
        throw std::runtime_error("the reaper (" + program.string() + " " + kReaperMode + ", pid " +
                                 std::to_string(pid) + ") did not report ready within " +
                                 std::to_string(kReadyTimeout.count()) + " s" +
                                 (hello.empty() ? std::string() : ": it said \"" + hello + "\""));
    }
    return reaper;
}

EngineReaper::~EngineReaper() {
    for (const auto& problem : finish()) std::cerr << "macvlan-conformance: " << problem << "\n";
}

void EngineReaper::send(const std::string& line) {
    std::lock_guard lock(mutex_);
    if (finished_ || !socket_) throw std::logic_error("the reaper has been finished already");
    const std::string data = line + "\n";
    size_t sent = 0;
    while (sent < data.size()) {
        // MSG_NOSIGNAL: a watcher that died must be an exception here, not a SIGPIPE for the run.
        const ssize_t n = ::send(socket_.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            throw std::runtime_error("the reaper (pid " + std::to_string(pid_) +
                                     ") is gone: nothing would remove this run's objects if it died (" +
                                     std::strerror(errno) + ")");
        sent += static_cast<size_t>(n);
    }
}

namespace {
std::string checked_name(const std::string& name) {
    for (char c : name)
        if (c == ' ' || c == '\n' || c == '\t') throw std::invalid_argument("not a link name: \"" + name + "\"");
    if (name.empty()) throw std::invalid_argument("an empty link name");
    return name;
}
}  // namespace

void EngineReaper::will_create_link(const std::string& name) { send(std::string(protocol::kLink) + " " + checked_name(name)); }

void EngineReaper::created_link(const std::string& name, int ifindex) {
    send(std::string(protocol::kIfindex) + " " + checked_name(name) + " " + std::to_string(ifindex));
}

void EngineReaper::removed_link(const std::string& name) { send(std::string(protocol::kGone) + " " + checked_name(name)); }

std::vector<std::string> EngineReaper::finish(std::chrono::milliseconds timeout) {
    {
        std::lock_guard lock(mutex_);
        if (finished_) return {};
    }
    try {
        send(protocol::kEnd);
    } catch (const std::exception&) {
        // Gone already: what it said on its way out is on standard error; its status tells the rest.
    }
    std::lock_guard lock(mutex_);
    finished_ = true;
    socket_.reset();
    const int status = wait_until(pid_, std::chrono::steady_clock::now() + timeout);
    const std::string who = "the reaper (pid " + std::to_string(pid_) + ")";
    if (status < 0) {
        ::kill(pid_, SIGKILL);
        wait_until(pid_, std::chrono::steady_clock::now() + 5s);
        return {who + " did not finish within " + std::to_string(timeout.count() / 1000) + " s and was killed"};
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    if (WIFEXITED(status))
        return {who + " exited with " + std::to_string(WEXITSTATUS(status)) + ": see its messages above"};
    return {who + " was killed by signal " + std::to_string(WTERMSIG(status))};
}

}  // namespace mvc
