// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "interface_journal.hpp"
#include "net_namespace.hpp"
#include "remote_peer.hpp"
#include "remote_shell.hpp"
#include "lent_wires.hpp"

namespace mvc {

// What the user asked to lend: --parent, and --peer or --remote/--remote-if/--remote-ssh-config,
// --peer-hairpin, --allow-busy-parent.
struct LentWireRequest {
    std::string parent;
    std::string peer;
    bool peer_hairpin = false;
    bool allow_busy = false;
    std::string remote, remote_if, remote_ssh_config;

    // "peer nic1", or "remote peer eth1 on root@host", for messages.
    std::string peer_description() const;
};

// A request the tool refuses, with the explanation for the user (exit code 2).
class RefusedRequest : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The user's parent and peer, borrowed for one run.
//
// Before anything is touched: both interfaces are checked (a parent that carries the default route,
// has addresses, or has a master or uppers is refused unless --allow-busy-parent), address ranges
// that overlap none of the machine's routes are chosen, and the original state of both is written
// to the journal (/run/macvlan-conformance/journal-<pid>.json). Then the peer moves into a namespace
// pinned under /run/netns, so that even if this process is killed it can be found and moved back:
// an anonymous namespace would destroy a veth peer, and its parent with it, when the process died.
//
// restore() (also run by the destructor, and by the signal watcher on SIGINT/SIGTERM/SIGHUP) puts
// everything back and removes the journal; `macvlan-conformance restore` replays a journal a crash
// left behind.
//
// With --remote the peer stays on its machine: the same checks run there over ssh (plus: it must not
// be the interface the ssh session itself arrives on), the ranges avoid the remote's routes too, and
// the journal records how to reach it, so `restore` can remove the run's addresses there as well.
class LentWireSession {
public:
    LentWireSession(const NetNamespace& machine, const LentWireRequest& request);
    ~LentWireSession();
    LentWireSession(const LentWireSession&) = delete;
    LentWireSession& operator=(const LentWireSession&) = delete;

    // Where every topology of the run gets its parent and ext from.
    const WireSource& wires() const { return *wires_; }
    // What the report should say about the lent interfaces.
    using Fact = std::pair<std::string, std::string>;
    const LentWireRequest& request() const { return request_; }
    // Driver, version, firmware and bus of the parent (ETHTOOL_GDRVINFO), and what was lent.
    std::vector<Fact> properties() const;
    // Puts everything back; returns what could not be restored. Safe to call more than once.
    std::vector<std::string> restore();

private:
    void lend_local_peer(Rtnl& rtnl, const LinkInfo& parent, const LinkInfo& peer, const AddressPlan::Ranges& addresses);
    void lend_remote_peer(Rtnl& rtnl, const LinkInfo& parent, const AddressPlan::Ranges& addresses, const InterfaceState& remote_state);

    NetNamespace machine_;
    LentWireRequest request_;
    InterfaceJournal journal_;
    std::unique_ptr<NetNamespace> ext_;
    std::unique_ptr<RemoteShell> remote_shell_;
    std::unique_ptr<RemotePeer> remote_peer_;
    std::unique_ptr<WireSource> wires_;
    std::vector<Fact> properties_;
    std::mutex restore_mutex_;
    bool restored_ = false;
};

// Blocks SIGINT, SIGTERM and SIGHUP in every thread and restores `session` from a dedicated thread
// when one arrives, then exits with 128 + the signal. Call before any other thread starts.
void block_termination_signals();
void restore_on_termination_signal(LentWireSession& session);

}  // namespace mvc
