// SPDX-License-Identifier: MIT
#include "journal_replay.hpp"

#include "remote_peer.hpp"

namespace mvc {

std::vector<std::string> replay_journal(const InterfaceJournal& journal, const NetNamespace& machine, RemoteShell* held) {
    if (journal.machine_netns && journal.machine_netns != machine.inode())
        return {"the journal " + journal.path().string() + " belongs to network namespace " + std::to_string(journal.machine_netns) +
                ", not to this one (" + std::to_string(machine.inode()) + "): run restore where the run ran"};
    std::vector<std::string> problems;
    if (journal.remote) {
        if (held) {
            held->stop_other_threads();
            problems = restore_remote_peer(*journal.remote, *held);
            held->close();
        } else {
            problems = restore_remote_peer(*journal.remote, machine);
        }
    }
    for (auto& p : restore_interfaces(journal, machine)) problems.push_back(std::move(p));
    if (problems.empty()) forget_journal(journal);
    return problems;
}

}  // namespace mvc
