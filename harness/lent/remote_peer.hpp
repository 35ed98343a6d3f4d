// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "addresses.hpp"
#include "echo_probe.hpp"
#include "interface_journal.hpp"
#include "machine_routes.hpp"
#include "remote_shell.hpp"

namespace mvc {

// The external end of a lent parent's wire when it is a NIC on another machine (--remote-if):
// configured with the remote host's own iproute2 over ssh, probed with its own iputils ping. Only
// what a run needs is done there: addresses in the run's ranges are added and removed again, the
// neighbour entries for those ranges are flushed, and the link is set up.
class RemotePeer {
public:
    // Throws RemoteError for a name that is not plain_interface_name().
    RemotePeer(const RemoteShell& shell, std::string ifname);
    // Letters, digits, '_', '.', '-', at most 15: every name a NIC gets in practice, and nothing
    // `ip -batch` would read differently ('#' starts a comment there, quotes group words).
    static bool plain_interface_name(const std::string& name);

    const std::string& ifname() const { return ifname_; }
    const RemoteShell& shell() const { return shell_; }

    // The interface as `ip -j -d link/addr show` reports it; throws RemoteError when it is missing.
    InterfaceState capture() const;
    // Every IPv4 and IPv6 route destination of every table on the remote host (default routes left
    // out): what the run's address plan must not collide with there either.
    std::vector<IpPrefix> routes() const;
    // The default routes that leave through the interface ("0.0.0.0/0", "::/0"), for busy_reasons().
    std::vector<std::string> default_routes_through() const;
    // The interface this very ssh session arrives on, or "" when the remote cannot tell. Lending it
    // would cut the run off its own remote host, whatever the user allows.
    std::string session_interface() const;
    // "" when the remote has an iputils ping (the sender for ext->X cells), else why not.
    std::string ping_unavailable() const;

    void set_up() const;
    // Waits, by asking, until the interface is up with carrier; false at the deadline.
    bool wait_until_up(std::chrono::steady_clock::time_point deadline) const;
    void add_addresses(const std::vector<std::pair<IpAddress, int>>& addresses) const;
    void delete_addresses(const std::vector<std::pair<IpAddress, int>>& addresses) const;
    void flush_neighbours(const std::vector<IpPrefix>& ranges) const;

    // One iputils ping per probe, all at once: each keeps asking until the first reply or until
    // `window` (rounded up to whole seconds: ping -w counts seconds) has passed. A ping that fails
    // for any other reason than silence has EchoResult::failure set: it is no verdict.
    std::vector<EchoResult> ping(const std::vector<std::pair<IpAddress, IpAddress>>& source_destination,
                                 std::chrono::milliseconds window) const;
    // The whole seconds a ping with this window waits.
    static int ping_deadline_seconds(std::chrono::milliseconds window);

private:
    // keep_going: carry on past a failing line (removal: do as much as can be done), still throwing.
    std::string run_batch(const std::vector<std::string>& lines, bool keep_going) const;

    const RemoteShell& shell_;
    std::string ifname_;
};

// Puts a journaled remote peer back: removes every address in the run's ranges that was not there
// before, flushes the run's neighbours, restores up/down, and verifies against the journal.
// Returns what could not be restored (empty on success).
std::vector<std::string> restore_remote_peer(const InterfaceJournal::RemotePeer& record, const RemoteShell& shell);
// The same over a new login, started from `launch` (for `macvlan-conformance restore`).
std::vector<std::string> restore_remote_peer(const InterfaceJournal::RemotePeer& record, const NetNamespace& launch);

}  // namespace mvc
