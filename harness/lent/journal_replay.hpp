// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "interface_journal.hpp"
#include "net_namespace.hpp"
#include "remote_shell.hpp"

namespace mvc {

// Puts back everything a journal records: the remote peer first, then the interfaces in `machine`;
// the journal is removed once nothing is left to do. Returns what could not be restored.
//
// A journal of another network namespace is refused before anything is touched, the remote
// included: it may belong to a live run elsewhere (another PID namespace). `held` is the run's own
// connection to the remote, when the run restores itself: only this thread may use it from then
// on (a topology on another thread cannot add addresses after the restore looked), and it is
// closed afterwards, since a signal ends the process with _exit and no destructor would.
std::vector<std::string> replay_journal(const InterfaceJournal& journal, const NetNamespace& machine, RemoteShell* held = nullptr);

}  // namespace mvc
