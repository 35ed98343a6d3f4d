// SPDX-License-Identifier: MIT
#pragma once

#include <boost/process/child.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "net_namespace.hpp"
#include "rtnl.hpp"

namespace mvc::testing_support {

// A "remote host" for --remote USER@HOST tests without a second machine: a network namespace of
// its own running a real OpenSSH server, reached from the test's machine namespace over a
// management veth (198.51.100.1/30 here, .2/30 there), with NICs cabled between the two on request.
// Only the two namespaces are touched, never the root namespace. Everything is undone by the
// destructor, also when a test fails half-way.
class SshPeerRig {
public:
    // "" when sshd, ssh and ssh-keygen are installed; otherwise which one is missing and the
    // Debian package that provides it, for GTEST_SKIP().
    static std::string skip_reason();

    // Throws when any step fails; a server that never accepts connections is reported with its log.
    explicit SshPeerRig(const NetNamespace& machine);
    ~SshPeerRig();
    SshPeerRig(const SshPeerRig&) = delete;
    SshPeerRig& operator=(const SshPeerRig&) = delete;

    std::string destination() const;                // "root@198.51.100.2"
    std::filesystem::path ssh_config() const;       // for ssh -F: port, key, no host-key checks
    const NetNamespace& remote() const { return remote_; }
    std::string sshd_log() const;                   // the server's log so far, for failure messages

    // A veth pair standing in for a machine NIC cabled to a remote NIC: `machine_side` in the
    // machine namespace, `remote_side` in the remote one, both up. Returns the machine ifindex.
    int cable(const std::string& machine_side, const std::string& remote_side);

private:
    // Each resource is its own member with its own undo, so a constructor that throws half-way
    // still releases what it had made (the rig's destructor would not run).
    class TempDir {
    public:
        TempDir();
        ~TempDir();
        TempDir(const TempDir&) = delete;
        TempDir& operator=(const TempDir&) = delete;
        const std::filesystem::path& path() const { return path_; }

    private:
        std::filesystem::path path_;
    };
    class PrivsepDir {
    public:
        PrivsepDir();
        ~PrivsepDir();
        PrivsepDir(const PrivsepDir&) = delete;
        PrivsepDir& operator=(const PrivsepDir&) = delete;
    };
    // sshd and every process it forked. Connection handlers call setsid() and outlive the listener,
    // so they are found by the namespace they run in (the rig's own: nothing else lives there).
    class Server {
    public:
        Server() = default;
        ~Server();
        Server(const Server&) = delete;
        Server& operator=(const Server&) = delete;
        void start(const NetNamespace& ns, const std::filesystem::path& config, const std::filesystem::path& log);
        bool running();

    private:
        std::unique_ptr<boost::process::child> child_;
        ino_t namespace_inode_ = 0;
    };

    // The machine namespace belongs to the test and outlives the rig. The kernel would remove the
    // machine ends of the veths when the remote namespace goes, but only some time later; deleting
    // them here means the next rig in the same namespace finds the names free.
    class Cables {
    public:
        explicit Cables(Rtnl& machine_nl) : nl_(machine_nl) {}
        ~Cables();
        Cables(const Cables&) = delete;
        Cables& operator=(const Cables&) = delete;
        void add(int ifindex, const std::string& name) { made_.push_back({ifindex, name}); }

    private:
        Rtnl& nl_;
        std::vector<std::pair<int, std::string>> made_;
    };

    void write_configuration();
    void wait_until_listening();

    NetNamespace machine_;
    NetNamespace remote_;
    Rtnl machine_nl_;
    Rtnl remote_nl_;
    uint8_t next_mac_ = 0;
    Cables cables_;
    TempDir dir_;
    PrivsepDir privsep_;
    Server server_;  // last: stopped first, while its keys and /run/sshd still exist
};

}  // namespace mvc::testing_support
