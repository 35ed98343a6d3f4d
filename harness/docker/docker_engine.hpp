#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "net_namespace.hpp"

namespace mvc {

// What one run of the docker client gave back.
struct DockerResult {
    std::vector<std::string> args;  // after "docker"
    int exit_code = -1;
    bool timed_out = false;
    std::string out, err;

    bool ok() const { return !timed_out && exit_code == 0; }
    std::string command() const;  // "docker network create ..."
    std::string summary() const;  // the command, how it ended, and the client's own message
};

class DockerError : public std::runtime_error {
public:
    explicit DockerError(DockerResult result);
    const DockerResult& result() const { return result_; }

private:
    DockerResult result_;
};

// A Docker engine, driven through its own command-line client: an external program started with an
// argv list (Boost.Process), never through a shell. Every command is started from a thread inside
// `ns`, the machine's own network namespace, so that a DOCKER_HOST such as tcp://127.0.0.1:2375
// means the machine's loopback and not the run's sandbox. The client's environment (DOCKER_HOST,
// DOCKER_CONTEXT, its configuration) is the process's own.
class DockerEngine {
public:
    static constexpr std::chrono::milliseconds kCommandTimeout{120'000};

    // Finds the client on PATH and asks the engine for its version. Empty, with the reason in
    // *why_not (no client; no engine answering, in the client's words; no answer in time), when
    // there is no engine to test.
    static std::optional<DockerEngine> connect(const NetNamespace& ns, std::string* why_not,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(20));

    DockerResult run(const std::vector<std::string>& args, std::chrono::milliseconds timeout = kCommandTimeout) const;
    // Runs and returns standard output without its trailing newline; throws DockerError on failure.
    std::string check(const std::vector<std::string>& args, std::chrono::milliseconds timeout = kCommandTimeout) const;

    const std::string& client() const { return client_; }  // path of the docker binary used
    const std::string& client_version() const { return client_version_; }
    const std::string& server_version() const { return server_version_; }  // e.g. "20.10.24+dfsg1"
    // The server version's major and minor numbers ({20, 10}); {0, 0} when it does not parse.
    std::pair<int, int> server_release() const;
    std::string endpoint() const;  // DOCKER_HOST, DOCKER_CONTEXT or the client's default
    std::string describe() const;  // "engine 20.10.24+dfsg1 at ..., client ... (version)"

private:
    DockerEngine(const NetNamespace& ns, std::string client) : ns_(&ns), client_(std::move(client)) {}
    const NetNamespace* ns_;
    std::string client_, client_version_, server_version_;
};

// The owner tag this process puts on every Docker object it creates (a label on containers and
// networks, the tag of its image): "<pid namespace inode>-<pid>-<process start time>". With it, a
// later run can tell leftovers of a run that died (SIGKILL) from objects of a run still going.
const std::string& docker_owner_tag();
inline constexpr const char* kDockerOwnerLabel = "org.macvlan-conformance.owner";
inline constexpr const char* kDockerImageRepository = "macvlan-conformance/busybox";

// Everything a test or suite created in the engine, removed again when the guard goes (also when
// the test failed or threw): containers first, then networks, then images. Objects are registered
// by name *before* the command that creates them runs, so one that was half created (a container
// created but never started) is removed too; a name the engine does not know is no problem.
class DockerObjects {
public:
    explicit DockerObjects(const DockerEngine& engine) : engine_(engine) {}
    ~DockerObjects();
    DockerObjects(const DockerObjects&) = delete;
    DockerObjects& operator=(const DockerObjects&) = delete;

    void add_container(const std::string& name) { add(containers_, name); }
    void add_network(const std::string& name) { add(networks_, name); }
    void add_image(const std::string& reference) { add(images_, reference); }

    // Removes one network now (and forgets it); returns "" or what went wrong.
    std::string remove_network(const std::string& name);
    // Removes everything registered; returns what could not be removed (empty when all went).
    std::vector<std::string> remove_all();

private:
    static void add(std::vector<std::string>& list, const std::string& name);
    const DockerEngine& engine_;
    std::vector<std::string> containers_, networks_, images_;
};

// Imports a one-file image: a statically linked busybox as /bin/busybox, and nothing else, so no
// registry is ever asked for anything. The image is registered in `objects` before the import.
// Throws when the machine has no static busybox (Debian: busybox-static) or the import fails.
void import_busybox_image(const DockerEngine& engine, DockerObjects& objects, const std::string& reference);
// Where the static busybox is, or why there is none usable.
std::optional<std::filesystem::path> find_static_busybox(std::string* why_not);

// Removes containers, networks and images carrying an owner tag of a process that is gone (same
// PID namespace only: a PID from elsewhere cannot be checked). Returns one line per object removed.
std::vector<std::string> remove_leftovers_of_dead_runs(const DockerEngine& engine);

}  // namespace mvc
