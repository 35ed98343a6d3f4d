// SPDX-License-Identifier: MIT
#include "remote_shell.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>

#include <boost/process/search_path.hpp>

#include <algorithm>

#include "owned_paths.hpp"
#include "unique_fd.hpp"

namespace mvc {

namespace {

std::string first_line(const std::string& text) {
    std::string line = text.substr(0, text.find('\n'));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    return line;
}

std::string describe_failure(const RemoteLogin& login, const std::vector<std::string>& argv, const CommandOutcome& r) {
    std::string what = "on " + login.destination + ": `" + RemoteShell::command_line(argv) + "` ";
    if (!r.start_error.empty()) return what + "could not start ssh: " + r.start_error;
    if (r.timed_out) return what + "did not finish in time";
    if (r.exit_code == 255) return what + "failed in ssh: " + first_line(r.err);
    const std::string message = first_line(r.err.empty() ? r.out : r.err);
    return what + "exited with " + std::to_string(r.exit_code) + (message.empty() ? "" : ": " + message);
}

}  // namespace

std::string RemoteShell::quote(const std::string& argument) {
    const bool plain = !argument.empty() && std::all_of(argument.begin(), argument.end(), [](unsigned char c) {
        return std::isalnum(c) || std::string_view("_./:@%+=,-").find(static_cast<char>(c)) != std::string_view::npos;
    });
    if (plain) return argument;
    std::string quoted = "'";
    for (char c : argument) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::string RemoteShell::command_line(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& a : argv) line += (line.empty() ? "" : " ") + quote(a);
    return line;
}

std::vector<std::string> RemoteShell::ssh_arguments(const RemoteLogin& login, const std::filesystem::path& control_path,
                                                    const std::vector<std::string>& argv, bool may_become_master) {
    std::vector<std::string> args;
    if (!login.ssh_config.empty()) args.insert(args.end(), {"-F", login.ssh_config});
    // BatchMode: a CI job has nobody to type a password. ServerAlive: a dead link ends the command
    // instead of hanging the run.
    args.insert(args.end(), {"-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=5", "-o",
                             "ServerAliveCountMax=3", "-o", may_become_master ? "ControlMaster=auto" : "ControlMaster=no", "-o",
                             "ControlPath=" + control_path.string(), "-o", "ControlPersist=120", "-T", "--", login.destination,
                             command_line(argv)});
    return args;
}

RemoteShell::RemoteShell(const NetNamespace& launch, RemoteLogin login) : launch_(launch.clone()), login_(std::move(login)) {
    if (login_.destination.empty() || login_.destination.front() == '-')
        throw RemoteError("--remote: '" + login_.destination + "' is not USER@HOST");
    const auto found = boost::process::search_path("ssh");
    if (found.empty()) throw RemoteError("--remote needs the ssh client, and there is none on PATH (Debian: openssh-client)");
    ssh_ = found.string();
    const auto base = control_base();
    try {
        if (::geteuid() == 0) make_private_directory(base, 0);
    } catch (const std::exception& e) {
        throw RemoteError(std::string("no private place for ssh's control socket: ") + e.what());
    }
    remove_stale_control_directories(base);
    std::string dir = (base / ("mvc-ssh-" + std::to_string(::getpid()) + "-XXXXXX")).string();
    if (!::mkdtemp(dir.data())) throw RemoteError("cannot make a directory for ssh's control socket in " + dir);
    control_dir_ = dir;
    const auto who = run_unlimited({"id", "-u"}, std::chrono::seconds(30), "", true);
    if (!who.ok()) {
        remove_control_dir();
        throw RemoteError("cannot run commands " + describe_failure(login_, {"id", "-u"}, who) +
                          ". The run logs in with `ssh -o BatchMode=yes`: set up key authentication (and --remote-ssh-config "
                          "for a port, key or known-hosts file) so that `ssh " + login_.destination + " true` works without a prompt");
    }
    needs_sudo_ = first_line(who.out) != "0";
}

std::filesystem::path RemoteShell::control_base() {
    // Root keeps them where only root can write, beside the journals: nothing a local user plants
    // can then be taken for one of them. Anyone else can only harm themselves in the temp directory.
    if (::geteuid() == 0) return "/run/macvlan-conformance";
    return std::filesystem::temp_directory_path();
}

void RemoteShell::remove_stale_control_directories() {
    if (::geteuid() == 0) {
        std::error_code ec;
        if (!std::filesystem::is_directory(std::filesystem::symlink_status(control_base(), ec))) return;
        try {
            check_private_directory(control_base(), 0);
        } catch (const std::exception&) {
            return;  // not a place to remove anything from; the next RemoteShell says why
        }
    }
    remove_stale_control_directories(control_base());
}

void RemoteShell::remove_stale_control_directories(const std::filesystem::path& base) {
    const UniqueFd parent(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!parent) return;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("mvc-ssh-", 0) != 0) continue;
        const int pid = std::atoi(name.c_str() + 8);
        if (pid <= 0 || ::kill(pid, 0) == 0 || errno != ESRCH) continue;  // its run is alive (or not ours to judge)
        // Only what this tool made: a real directory of this user's, mode 0700 (mkdtemp's), never
        // a symlink or someone else's directory of the same name.
        remove_own_directory(parent.get(), name, ::geteuid());
    }
}

void RemoteShell::remove_control_dir() {
    if (control_dir_.empty()) return;
    const UniqueFd parent(::open(control_dir_.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (parent) remove_own_directory(parent.get(), control_dir_.filename().string(), ::geteuid());
    // Root's base is left as it was found: removed once nothing else (a journal) is in it.
    if (::geteuid() == 0) ::rmdir(control_base().c_str());
}

RemoteShell::~RemoteShell() { close(); }

void RemoteShell::close() {
    std::lock_guard lock(close_mutex_);
    if (closed_) return;
    closed_ = true;
    launch_.run([&] {
        std::vector<std::string> args{"-o", "ControlPath=" + (control_dir_ / "master").string(), "-O", "exit", login_.destination};
        if (!login_.ssh_config.empty()) args.insert(args.begin(), {"-F", login_.ssh_config});
        run_external(ssh_, args, std::chrono::seconds(10));
    });
    remove_control_dir();
}

void RemoteShell::stop_other_threads() {
    std::thread::id nobody;
    if (!owner_.compare_exchange_strong(nobody, std::this_thread::get_id())) return;
    // Holding every session slot means no other thread's command is running, nor can start.
    for (int i = 0; i < kSessions; ++i) sessions_.acquire();
}

CommandOutcome RemoteShell::run_unlimited(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                          const std::string& input, bool may_become_master) const {
    const auto args = ssh_arguments(login_, control_dir_ / "master", argv, may_become_master);
    return launch_.run([&] { return run_external(ssh_, args, timeout, input); });
}

CommandOutcome RemoteShell::run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                const std::string& input) const {
    if (const auto owner = owner_.load(); owner != std::thread::id()) {
        if (std::this_thread::get_id() != owner)
            throw RemoteError("on " + login_.destination + ": `" + command_line(argv) + "` was not run: the run is restoring the remote peer");
        return run_unlimited(argv, timeout, input);
    }
    sessions_.acquire();
    struct Release {
        std::counting_semaphore<8>& s;
        ~Release() { s.release(); }
    } release{sessions_};
    return run_unlimited(argv, timeout, input);
}

std::string RemoteShell::describe(const std::vector<std::string>& argv, const CommandOutcome& outcome) const {
    return describe_failure(login_, argv, outcome);
}

std::string RemoteShell::check(const std::vector<std::string>& argv) const {
    const auto r = run(argv);
    if (!r.ok()) throw RemoteError(describe_failure(login_, argv, r));
    return r.out;
}

std::string RemoteShell::check_privileged(const std::vector<std::string>& argv, const std::string& input) const {
    std::vector<std::string> full = argv;
    if (needs_sudo_) full.insert(full.begin(), {"sudo", "-n"});
    const auto r = run(full, std::chrono::seconds(30), input);
    if (!r.ok()) throw RemoteError(describe_failure(login_, full, r));
    return r.out;
}

}  // namespace mvc
