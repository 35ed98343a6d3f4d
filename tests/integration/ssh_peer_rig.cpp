// SPDX-License-Identifier: MIT
#include "ssh_peer_rig.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/process.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "error.hpp"
#include "unique_fd.hpp"

namespace mvc::testing_support {

namespace bp = boost::process;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSshd = "/usr/sbin/sshd";
constexpr const char* kSsh = "/usr/bin/ssh";
constexpr const char* kSshKeygen = "/usr/bin/ssh-keygen";
constexpr const char* kPrivsepDir = "/run/sshd";

constexpr const char* kMachineAddress = "198.51.100.1";
constexpr const char* kRemoteAddress = "198.51.100.2";
constexpr int kManagementPrefix = 30;
constexpr uint16_t kPort = 2222;
constexpr uint8_t kMacGroup = 0x60;
constexpr auto kStartupDeadline = 10s;

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_private_file(const std::filesystem::path& path, const std::string& text) {
    {
        std::ofstream out(path);
        out << text;
        if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
    }
    // ssh refuses a configuration file others can write, and nothing here is anyone else's business.
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

void generate_key(const std::filesystem::path& path) {
    bp::ipstream err;
    bp::child keygen(kSshKeygen, bp::args({"-q", "-t", "ed25519", "-N", "", "-C", "mvc-ssh-peer-rig", "-f", path.string()}),
                     bp::std_in < bp::null, bp::std_out > bp::null, bp::std_err > err);
    std::string message, line;
    while (std::getline(err, line)) message += line + "\n";
    keygen.wait();
    if (keygen.exit_code() != 0)
        throw std::runtime_error("ssh-keygen for " + path.string() + " exited with " + std::to_string(keygen.exit_code()) + ": " +
                                 message);
}

// One attempt, bounded by `limit`: a blocking connect could hang for seconds if neighbour
// resolution on the management link failed, well past the caller's deadline.
bool connects(const sockaddr_in& to, std::chrono::milliseconds limit) {
    UniqueFd sock(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!sock) throw_errno("socket(AF_INET, SOCK_STREAM)");
    if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0) return true;
    if (errno != EINPROGRESS) return false;
    pollfd p{sock.get(), POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) return false;
    return error == 0;
}

// Raw syscalls: glibc 2.36's <sys/pidfd.h> lacks extern "C", so its wrappers do not link from C++.
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
void pidfd_send_signal(int pidfd, int signal) { ::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0); }

// Every process whose network namespace is `inode`.
std::vector<pid_t> processes_in(ino_t inode) {
    std::vector<pid_t> found;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        struct stat st {};
        if (::stat((e.path() / "ns/net").c_str(), &st) == 0 && st.st_ino == inode) found.push_back(std::stoi(name));
    }
    return found;
}

// Signals the processes and waits until each has exited, up to `limit`; returns how many had not.
// Through pidfds, because they are not our children (waitpid cannot see them) and a pid number may
// be reused once its process is reaped.
size_t signal_and_wait(const std::vector<pid_t>& pids, ino_t inode, int signal, std::chrono::milliseconds limit) {
    std::vector<UniqueFd> pidfds;
    for (pid_t pid : pids) {
        UniqueFd fd(pidfd_open(pid));
        if (!fd) continue;  // already gone
        // The pid may have been reused between the /proc scan and pidfd_open: only ours are touched.
        struct stat st {};
        if (::stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &st) != 0 || st.st_ino != inode) continue;
        pidfd_send_signal(fd.get(), signal);
        pidfds.push_back(std::move(fd));
    }
    const auto deadline = std::chrono::steady_clock::now() + limit;
    size_t alive = 0;
    for (const auto& fd : pidfds) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{fd.get(), POLLIN, 0};  // readable once the process has exited
        if (::poll(&p, 1, static_cast<int>(std::max(0ms, left).count())) <= 0) ++alive;
    }
    return alive;
}

// sshd needs its privilege-separation directory; the rig creates it only where the system has none,
// and removes only what it created. Counted, so that a rig ending while another in this process is
// still serving does not pull the directory from under the other's sshd.
std::mutex privsep_mutex;
int privsep_users = 0;
bool privsep_created = false;

}  // namespace

std::string SshPeerRig::skip_reason() {
    struct Program {
        const char* path;
        const char* package;
    };
    for (const Program& p : {Program{kSshd, "openssh-server"}, Program{kSsh, "openssh-client"}, Program{kSshKeygen, "openssh-client"}})
        if (::access(p.path, X_OK) != 0) return std::string(p.path) + " is not installed (Debian package " + p.package + ")";
    return "";
}

SshPeerRig::TempDir::TempDir() {
    char pattern[] = "/tmp/mvc-ssh-peer-XXXXXX";  // mkdtemp: mode 0700, so the keys are ours alone
    if (::mkdtemp(pattern) == nullptr) throw_errno("mkdtemp /tmp/mvc-ssh-peer-XXXXXX");
    path_ = pattern;
}

SshPeerRig::TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

SshPeerRig::PrivsepDir::PrivsepDir() {
    std::lock_guard lock(privsep_mutex);
    if (privsep_users == 0) {
        if (::mkdir(kPrivsepDir, 0755) == 0) {
            privsep_created = true;
            ::chmod(kPrivsepDir, 0755);  // the umask may have taken bits that sshd insists on
        } else if (errno == EEXIST) {
            privsep_created = false;
        } else {
            throw_errno(std::string("mkdir ") + kPrivsepDir);
        }
    }
    ++privsep_users;
}

SshPeerRig::PrivsepDir::~PrivsepDir() {
    std::lock_guard lock(privsep_mutex);
    if (--privsep_users == 0 && privsep_created) {
        ::rmdir(kPrivsepDir);  // rmdir, not remove_all: anything someone put there since stays
        privsep_created = false;
    }
}

SshPeerRig::Cables::~Cables() {
    for (const auto& [ifindex, name] : made_) {
        try {
            // The test may have deleted or renamed it already; an ifindex reused since is not ours.
            const auto link = nl_.find_link(ifindex);
            if (link && link->name == name) nl_.delete_link(ifindex);
        } catch (...) {
        }
    }
}

void SshPeerRig::Server::start(const NetNamespace& ns, const std::filesystem::path& config, const std::filesystem::path& log) {
    namespace_inode_ = ns.inode();
    // A child inherits the network namespace of the thread that forks it.
    child_ = ns.run([&] {
        return std::make_unique<bp::child>(kSshd, bp::args({"-D", "-e", "-f", config.string()}), bp::std_in < bp::null,
                                           bp::std_out > bp::null, bp::std_err > log.string());
    });
}

bool SshPeerRig::Server::running() { return child_ && child_->running(); }

SshPeerRig::Server::~Server() {
    if (!child_) return;
    try {
        // Sessions first, while the listener still lives to reap them: stopped afterwards they
        // would be orphans, zombies until init gets round to them. A session still open (say a
        // ControlMaster the tool left behind) would otherwise keep the namespace alive.
        auto others = [&] {
            auto pids = processes_in(namespace_inode_);
            std::erase(pids, child_->id());
            return pids;
        };
        if (signal_and_wait(others(), namespace_inode_, SIGTERM, 5s) > 0) signal_and_wait(others(), namespace_inode_, SIGKILL, 5s);
        if (child_->running()) {
            // SIGTERM, not boost's SIGKILL: sshd then closes its listener and removes its pid file.
            ::kill(child_->id(), SIGTERM);
            child_->wait();
        }
        // Whatever connected in the meantime.
        signal_and_wait(processes_in(namespace_inode_), namespace_inode_, SIGKILL, 5s);
    } catch (...) {
    }
}

SshPeerRig::SshPeerRig(const NetNamespace& machine)
    : machine_(machine.clone()), remote_(NetNamespace::create()), machine_nl_(machine_), remote_nl_(remote_), cables_(machine_nl_) {
    remote_nl_.set_up(remote_nl_.link("lo").ifindex);
    const int mgmt = cable("mgmt", "mgmt");
    machine_nl_.add_address(mgmt, IpAddress::parse(kMachineAddress), kManagementPrefix);
    remote_nl_.add_address(remote_nl_.link("mgmt").ifindex, IpAddress::parse(kRemoteAddress), kManagementPrefix);
    write_configuration();
    server_.start(remote_, dir_.path() / "sshd_config", dir_.path() / "sshd.log");
    wait_until_listening();
}

SshPeerRig::~SshPeerRig() = default;

void SshPeerRig::write_configuration() {
    const auto& d = dir_.path();
    generate_key(d / "host_ed25519");
    generate_key(d / "client_ed25519");
    write_private_file(d / "authorized_keys", read_file(d / "client_ed25519.pub"));
    write_private_file(d / "sshd.log", "");
    write_private_file(d / "sshd_config",
                       "Port " + std::to_string(kPort) + "\n"
                       "ListenAddress " + kRemoteAddress + "\n"
                       "HostKey " + (d / "host_ed25519").string() + "\n"
                       "AuthorizedKeysFile " + (d / "authorized_keys").string() + "\n"
                       // The directory is under /tmp, which is world-writable: sshd would reject the keys.
                       "StrictModes no\n"
                       "UsePAM no\n"
                       "PermitRootLogin prohibit-password\n"
                       "PasswordAuthentication no\n"
                       "KbdInteractiveAuthentication no\n"
                       "PidFile " + (d / "sshd.pid").string() + "\n"
                       // The tool under test multiplexes its commands over one connection.
                       "MaxSessions 16\n"
                       // Sessions start the user's shell; bash run by sshd reads ~/.bashrc, and this
                       // machine's root has a slow one. The remote host stands in for a bare server.
                       "SetEnv HOME=" + d.string() + "\n"
                       "LogLevel VERBOSE\n");
    write_private_file(d / "ssh_config",
                       "Host *\n"
                       "  Port " + std::to_string(kPort) + "\n"
                       "  IdentityFile " + (d / "client_ed25519").string() + "\n"
                       "  IdentitiesOnly yes\n"
                       // A fresh host key every run: nothing to verify it against, and nothing to remember.
                       "  UserKnownHostsFile /dev/null\n"
                       "  StrictHostKeyChecking no\n"
                       "  LogLevel ERROR\n");
}

void SshPeerRig::wait_until_listening() {
    // sshd logs "Server listening" right after listen(), so each write to its log is the moment to
    // try again. The watch exists before the first attempt: a line written in between still wakes
    // us, and one written before means that attempt already connects.
    UniqueFd watch(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!watch) throw_errno("inotify_init1");
    if (::inotify_add_watch(watch.get(), (dir_.path() / "sshd.log").c_str(), IN_MODIFY) < 0) throw_errno("inotify_add_watch sshd.log");

    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(kPort);
    ::inet_pton(AF_INET, kRemoteAddress, &to.sin_addr);
    const auto deadline = std::chrono::steady_clock::now() + kStartupDeadline;
    const auto remaining = [&] {
        return std::max(0ms, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    };

    // From the machine namespace: the way the tool will come in, over the management link.
    const bool listening = machine_.run([&] {
        for (;;) {
            if (connects(to, std::min(remaining(), std::chrono::milliseconds(1000)))) return true;
            if (!server_.running() || remaining() == 0ms) return false;
            // The timeout only covers a bind that logs nothing.
            pollfd p{watch.get(), POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(std::min(remaining(), std::chrono::milliseconds(100)).count())) > 0) {
                char events[4096];
                while (::read(watch.get(), events, sizeof events) > 0) {
                }
            }
        }
    });
    if (!listening)
        throw std::runtime_error(std::string("sshd ") +
                                 (server_.running() ? "did not accept connections within " +
                                                          std::to_string(std::chrono::seconds(kStartupDeadline).count()) + " s on "
                                                    : "exited before listening on ") +
                                 kRemoteAddress + ":" + std::to_string(kPort) + "; its log:\n" + sshd_log());
}

std::string SshPeerRig::destination() const { return std::string("root@") + kRemoteAddress; }

std::filesystem::path SshPeerRig::ssh_config() const { return dir_.path() / "ssh_config"; }

std::string SshPeerRig::sshd_log() const { return read_file(dir_.path() / "sshd.log"); }

int SshPeerRig::cable(const std::string& machine_side, const std::string& remote_side) {
    if (next_mac_ > 0xfd) throw std::length_error("SshPeerRig: out of MAC addresses for cables");
    const uint8_t first = next_mac_;
    next_mac_ = static_cast<uint8_t>(next_mac_ + 2);
    const int ifindex = machine_nl_.create_veth(machine_side, MacAddress::local(kMacGroup, first), remote_side,
                                                MacAddress::local(kMacGroup, static_cast<uint8_t>(first + 1)), remote_);
    cables_.add(ifindex, machine_side);
    machine_nl_.set_up(ifindex);
    remote_nl_.set_up(remote_nl_.link(remote_side).ifindex);
    return ifindex;
}

}  // namespace mvc::testing_support
