// SPDX-License-Identifier: MIT
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "interface_journal.hpp"
#include "journal_replay.hpp"
#include "owned_paths.hpp"
#include "remote_shell.hpp"

namespace mvc {

namespace {

// A zombie (killed, not yet reaped) counts as gone: it will never restore anything itself.
bool process_alive(int pid) {
    if (::kill(pid, 0) != 0) return errno != ESRCH;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto paren = line.rfind(')');
    return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

}  // namespace

int restore_command(const CliOptions& options) {
    std::vector<std::filesystem::path> files(options.restore_journals.begin(), options.restore_journals.end());
    int status = kExitPass;
    if (files.empty()) {
        // Root replays what the journals say: a directory anyone else could write to is refused
        // whole (InterfaceJournal::read refuses each loose journal on its own, with the reason).
        std::error_code ec;
        if (std::filesystem::exists(std::filesystem::symlink_status(InterfaceJournal::kDirectory, ec))) {
            try {
                check_private_directory(InterfaceJournal::kDirectory, ::geteuid());
            } catch (const std::exception& e) {
                std::cout << e.what() << "\n";
                return kExitFail;
            }
        }
        for (const auto& f : InterfaceJournal::list()) {
            try {
                const auto journal = InterfaceJournal::read(f);
                if (!process_alive(journal.pid)) files.push_back(f);  // its run is gone
                else std::cout << "skipping " << f.string() << ": process " << journal.pid << " is still running\n";
            } catch (const std::exception& e) {
                status = kExitFail;
                std::cout << f.string() << ": " << e.what() << "\n";
            }
        }
    }
    if (files.empty() && status != kExitPass) return status;
    if (files.empty()) {
        std::cout << "nothing to restore: no journal in " << InterfaceJournal::kDirectory << " belongs to a finished run\n";
        return kExitPass;
    }
    const NetNamespace machine = NetNamespace::of_current_thread();
    RemoteShell::remove_stale_control_directories();
    for (const auto& f : files) {
        try {
            const auto journal = InterfaceJournal::read(f);
            const auto problems = replay_journal(journal, machine);
            std::string names;
            for (const auto& i : journal.interfaces) names += (names.empty() ? "" : ", ") + i.name + " (" + i.role + ")";
            if (journal.remote) names += ", " + journal.remote->original.name + " on " + journal.remote->destination + " (remote peer)";
            if (problems.empty()) {
                std::cout << "restored " << names << " from " << f.string() << " (journal removed)\n";
            } else {
                status = kExitFail;
                std::cout << "could not fully restore " << names << " from " << f.string() << ":\n";
                for (const auto& p : problems) std::cout << "  " << p << "\n";
            }
        } catch (const std::exception& e) {
            status = kExitFail;
            std::cout << f.string() << ": " << e.what() << "\n";
        }
    }
    return status;
}

}  // namespace mvc
