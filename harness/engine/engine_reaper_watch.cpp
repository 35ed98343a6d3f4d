// SPDX-License-Identifier: MIT
// The watcher's side of the reaper (docker_reaper.hpp says why it exists and how it is started):
// it reads the run's messages until the run's end of the socket closes, then removes what the run
// left, and exits.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "container_engine.hpp"
#include "engine_objects.hpp"
#include "engine_reaper.hpp"
#include "rtnl.hpp"
#include "unique_fd.hpp"

namespace mvc {

namespace {

using namespace std::chrono_literals;
namespace protocol = reaper_protocol;
using Clock = std::chrono::steady_clock;

// After a crash, requests the run had already sent may still be under way in the engine (a
// container being created when the run died: its client dies with the run, but the engine
// finishes what it received). So after a crash the watcher keeps passing over the engine until a
// pass finds nothing *and* this long has gone by since the run died; after an orderly end nothing
// is in flight and one quiet pass is enough.
constexpr auto kSettleAfterCrash = 2s;
constexpr auto kPassInterval = 250ms;
// When to stop trying: the engine does not answer, or refuses a removal again and again.
constexpr auto kGiveUpAfterCrash = 30s;
constexpr auto kGiveUpAfterEnd = 10s;

// What the run told the watcher: the links it made in the machine's namespace, each with its
// ifindex once it existed (0 before).
struct RunState {
    std::map<std::string, int> links;
    bool orderly = false;  // the run said "end"
};

void take_message(RunState& state, const std::string& line) {
    std::istringstream in(line);
    std::string verb, name;
    in >> verb >> name;
    if (verb == protocol::kLink) state.links.emplace(name, 0);
    else if (verb == protocol::kIfindex) in >> state.links[name];
    else if (verb == protocol::kGone) state.links.erase(name);
    else if (verb == protocol::kEnd) state.orderly = true;
    else std::cerr << "macvlan-conformance reaper: ignoring the unknown message \"" << line << "\"\n";
}

// Reads messages until the run closes its end (its exit, or its death: the kernel closes a killed
// process's descriptors), or says "end".
RunState watch(int fd) {
    RunState state;
    std::string pending;
    char buffer[4096];
    while (!state.orderly) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // end of file, or ECONNRESET: the run is gone either way
        pending.append(buffer, static_cast<size_t>(n));
        for (size_t newline; (newline = pending.find('\n')) != std::string::npos;) {
            take_message(state, pending.substr(0, newline));
            pending.erase(0, newline + 1);
        }
    }
    return state;
}

// Deletes the registered links that still exist. A link known by ifindex is deleted only if it
// still has its name (an index is not reused soon, a name may be by a later link); a link known
// only by name (the run died between creating it and reporting its index) is deleted by name,
// which carries the run's pid. Deleted links are forgotten; failures stay for the next pass.
void remove_links(Rtnl& nl, std::map<std::string, int>& links, EngineSweep& sweep) {
    for (auto it = links.begin(); it != links.end();) {
        const auto& [name, ifindex] = *it;
        try {
            const auto link = ifindex ? nl.find_link(ifindex) : nl.find_link(name);
            if (link && link->name == name) {
                nl.delete_link(link->ifindex);
                sweep.removed.push_back("link " + name + " (ifindex " + std::to_string(link->ifindex) + ")");
            }
            it = links.erase(it);
        } catch (const std::exception& e) {
            // Gone meanwhile (its namespace's teardown took it): nothing left to do.
            if (!nl.find_link(name)) {
                it = links.erase(it);
                continue;
            }
            sweep.problems.push_back("delete link " + name + ": " + e.what());
            ++it;
        }
    }
}

int reap(const std::string& owner, EngineKind kind, const std::string& client, RunState state) {
    const auto ended = Clock::now();
    const NetNamespace here = NetNamespace::of_current_thread();
    const ContainerEngine engine = ContainerEngine::with_client(kind, here, client);
    std::unique_ptr<Rtnl> nl;
    const auto settle = state.orderly ? Clock::duration::zero() : Clock::duration(kSettleAfterCrash);
    const auto give_up = state.orderly ? kGiveUpAfterEnd : kGiveUpAfterCrash;
    const std::string why = state.orderly ? "after the run " + owner + " ended" : "the run " + owner + " is gone";
    size_t removed = 0;
    for (;;) {
        // The engine's objects first: a network goes only once no container is on it, and Docker
        // deletes the VLAN sub-interfaces it made on a parent while the parent still exists.
        EngineSweep sweep = remove_objects_of(engine, owner);
        try {
            if (!nl) nl = std::make_unique<Rtnl>(here);
            remove_links(*nl, state.links, sweep);
        } catch (const std::exception& e) {
            sweep.problems.push_back(std::string("links: ") + e.what());
        }
        for (const auto& r : sweep.removed) std::cerr << "macvlan-conformance reaper: " << why << ": removed " << r << "\n";
        removed += sweep.removed.size();
        const auto elapsed = Clock::now() - ended;
        if (sweep.quiet() && elapsed >= settle) break;
        if (elapsed >= give_up) {
            for (const auto& p : sweep.problems)
                std::cerr << "macvlan-conformance reaper: " << why << ": gave up: " << p << "\n";
            return 1;
        }
        std::this_thread::sleep_for(kPassInterval);
    }
    if (removed)
        std::cerr << "macvlan-conformance reaper: " << why << ": " << removed << " object(s) removed within "
                  << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - ended).count() << " ms\n";
    return 0;
}

}  // namespace

int engine_reaper_main(int argc, char** argv) {
    std::string owner, client, engine = "docker";
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--owner") owner = argv[i + 1];
        else if (flag == "--client") client = argv[i + 1];
        else if (flag == "--engine") engine = argv[i + 1];
    }
    EngineKind kind = EngineKind::docker;
    try {
        kind = engine_kind_from_string(engine);
    } catch (const std::invalid_argument&) {
        owner.clear();
    }
    if (owner.empty() || client.empty()) {
        std::cerr << "macvlan-conformance " << kReaperMode
                  << ": started by a container-engine suite with --owner TAG --engine docker|podman --client PATH and the "
                     "run's socket on standard input\n";
        return 2;
    }
    // The run's terminal and process group are not the reaper's business (setsid() before exec
    // already left them); a dead run's socket must be an error code, not a SIGPIPE.
    for (int s : {SIGINT, SIGHUP, SIGQUIT, SIGPIPE}) ::signal(s, SIG_IGN);
    if (::chdir("/") != 0) {
        // It only keeps the run's working directory busy: no reason not to watch.
    }
    // The socket moves off standard input, which becomes /dev/null: no child inherits it.
    UniqueFd socket(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3));
    if (!socket) {
        std::cerr << "macvlan-conformance reaper: no socket on standard input: " << std::strerror(errno) << "\n";
        return 2;
    }
    if (UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC)); null) ::dup2(null.get(), STDIN_FILENO);

    const std::string ready = std::string(protocol::kReady) + " " + std::to_string(::getpid()) + "\n";
    if (::send(socket.get(), ready.data(), ready.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(ready.size()))
        return reap(owner, kind, client, RunState{});  // the run died while the reaper started
    RunState state = watch(socket.get());
    socket.reset();
    return reap(owner, kind, client, std::move(state));
}

}  // namespace mvc
