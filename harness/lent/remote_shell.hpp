// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <filesystem>
#include <atomic>
#include <mutex>
#include <semaphore>
#include <thread>
#include <stdexcept>
#include <string>
#include <vector>

#include "external_command.hpp"
#include "net_namespace.hpp"

namespace mvc {

// Where a remote peer lives: --remote USER@HOST, and optionally --remote-ssh-config FILE (ssh -F:
// port, key, jump host, known-hosts policy all stay in the user's ssh configuration).
struct RemoteLogin {
    std::string destination;
    std::string ssh_config;  // "" for ssh's own defaults (~/.ssh/config)
};

// The remote host could not be reached, or a command there failed; the message has ssh's or the
// command's own words.
class RemoteError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Commands on another machine over ssh, the way the kernel's drivers/net selftests reach their
// remote endpoint (NetDrvEpEnv, REMOTE_TYPE=ssh). ssh itself is started through Boost.Process with
// an argv list; the remote side receives one command line in which every argument is quoted for
// the remote shell, so nothing the tool passes is ever interpreted there either.
//
// One master connection (ControlMaster) carries every command, so a probe costs a channel, not a
// login. The master gives up on its own 120 s after the last command: a killed run leaves no ssh
// process behind for long. Should it be gone, commands log in one by one.
class RemoteShell {
public:
    // Every ssh is started from a thread inside `launch` (the machine's namespace: the sandbox the
    // run lives in has no route to anything). Logs in once; throws RemoteError with ssh's reason.
    RemoteShell(const NetNamespace& launch, RemoteLogin login);
    ~RemoteShell();
    RemoteShell(const RemoteShell&) = delete;
    RemoteShell& operator=(const RemoteShell&) = delete;

    const RemoteLogin& login() const { return login_; }
    // The remote user is not root: commands that change the network run under `sudo -n`.
    bool needs_sudo() const { return needs_sudo_; }

    // Runs argv on the remote host. Exit code 255 is ssh's own failure (see RemoteError messages).
    CommandOutcome run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(30),
                       const std::string& input = "") const;
    // The same with root rights (sudo -n when needed); throws RemoteError unless it exits 0.
    std::string check_privileged(const std::vector<std::string>& argv, const std::string& input = "") const;
    // "on HOST: `command` exited with 2: <its first line of error>", ssh's own failure, or a timeout.
    std::string describe(const std::vector<std::string>& argv, const CommandOutcome& outcome) const;
    // Standard output of a command that must succeed; throws RemoteError otherwise.
    std::string check(const std::vector<std::string>& argv) const;

    // For a restore: waits until commands other threads have started are done, and refuses any
    // they start later (RemoteError), so nothing the run does on the remote can land after the
    // restore looked. The calling thread keeps the shell.
    void stop_other_threads();
    // Ends the master connection and removes the control directory. Later commands fail.
    void close();

    // One argument quoted for a POSIX shell: it reaches the remote program unchanged.
    static std::string quote(const std::string& argument);
    static std::string command_line(const std::vector<std::string>& argv);
    // A killed run leaves its control directory (<control_base>/mvc-ssh-<pid>-*; the master itself
    // exits 120 s after its last command). Removes those whose process is gone, and only what this
    // tool could have made (remove_own_directory): never a symlink, nor another user's directory.
    static void remove_stale_control_directories();
    static void remove_stale_control_directories(const std::filesystem::path& base);
    // Where the control directories are: /run/macvlan-conformance (mode 0700) for root, the temp
    // directory for anyone else.
    static std::filesystem::path control_base();
    // ssh's argv (after "ssh") for one remote command, given the control socket to share. Only the
    // first command may become the master: a master started while other commands run on other
    // threads would be a long-lived process holding whatever they had open.
    static std::vector<std::string> ssh_arguments(const RemoteLogin& login, const std::filesystem::path& control_path,
                                                  const std::vector<std::string>& argv, bool may_become_master = false);

private:
    void remove_control_dir();
    CommandOutcome run_unlimited(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                 const std::string& input, bool may_become_master = false) const;

    NetNamespace launch_;
    RemoteLogin login_;
    std::string ssh_;
    std::filesystem::path control_dir_;
    bool needs_sudo_ = false;
    // sshd allows 10 sessions per connection (MaxSessions); more at once would be refused.
    static constexpr int kSessions = 8;
    mutable std::counting_semaphore<kSessions> sessions_{kSessions};
    std::atomic<std::thread::id> owner_{};  // the thread that stopped the others, once one has
    std::mutex close_mutex_;
    bool closed_ = false;
};

}  // namespace mvc
