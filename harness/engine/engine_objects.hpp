// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "container_engine.hpp"

namespace mvc {

// The owner tag this process puts on every container-engine object it creates (a label on containers and
// networks, the tag of its image): "<pid namespace inode>-<pid>-<process start time>". With it, a
// reaper removes exactly one run's objects, and a later run can tell leftovers of a run that died
// (SIGKILL) from objects of a run still going.
const std::string& engine_owner_tag();
// The tag the process `pid` (of this PID namespace) puts on its objects; "" when there is no such
// process. For tests that watch a run from outside.
std::string engine_owner_tag_of(pid_t pid);
inline constexpr const char* kOwnerLabel = "org.macvlan-conformance.owner";
inline constexpr const char* kTestImageRepository = "macvlan-conformance/busybox";
// "org.macvlan-conformance.owner=<tag>": the --label of this run's containers and networks.
std::string engine_owner_label(const std::string& tag = engine_owner_tag());

// Everything a test or suite created in the engine, removed again when the guard goes (also when
// the test failed or threw): containers first, then networks, then images. Objects are registered
// by name *before* the command that creates them runs, so one that was half created (a container
// created but never started) is removed too; a name the engine does not know is no problem.
class EngineObjects {
public:
    explicit EngineObjects(const ContainerEngine& engine) : engine_(engine) {}
    ~EngineObjects();
    EngineObjects(const EngineObjects&) = delete;
    EngineObjects& operator=(const EngineObjects&) = delete;

    void add_container(const std::string& name) { add(containers_, name); }
    void add_network(const std::string& name) { add(networks_, name); }
    void add_image(const std::string& reference) { add(images_, reference); }

    // Removes one network now (and forgets it); returns "" or what went wrong.
    std::string remove_network(const std::string& name);
    // Removes everything registered; returns what could not be removed (empty when all went).
    std::vector<std::string> remove_all();

private:
    static void add(std::vector<std::string>& list, const std::string& name);
    const ContainerEngine& engine_;
    std::vector<std::string> containers_, networks_, images_;
};

// What one pass over the engine did: one line per object removed, and what could not be listed or
// removed.
struct EngineSweep {
    std::vector<std::string> removed;
    std::vector<std::string> problems;
    bool quiet() const { return removed.empty() && problems.empty(); }
};

// Removes every container (forcibly, running or not), network and image that carries `owner`, and
// nothing else. The reaper's pass; objects another process removes at the same moment are no
// problem.
EngineSweep remove_objects_of(const ContainerEngine& engine, const std::string& owner);

// Removes containers, networks and images carrying an owner tag of a process that is gone (same
// PID namespace only: a PID from elsewhere cannot be checked). Returns one line per object removed.
// The second line of defence, behind each run's reaper.
std::vector<std::string> remove_leftovers_of_dead_runs(const ContainerEngine& engine);

}  // namespace mvc
