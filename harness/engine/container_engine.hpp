// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine_kind.hpp"
#include "net_namespace.hpp"

namespace mvc {

// What one run of an engine's client gave back.
struct EngineResult {
    std::string client = "docker";  // the program's name, for messages
    std::vector<std::string> args;  // after the program
    int exit_code = -1;
    bool timed_out = false;
    std::string out, err;

    bool ok() const { return !timed_out && exit_code == 0; }
    std::string command() const;  // "docker network create ..."
    std::string summary() const;  // the command, how it ended, and the client's own message
};

class EngineError : public std::runtime_error {
public:
    explicit EngineError(EngineResult result);
    const EngineResult& result() const { return result_; }

private:
    EngineResult result_;
};

// A container engine, Docker or Podman, driven through its own command-line client: an external
// program started with an argv list (Boost.Process), never through a shell. Every command is
// started from a thread inside `ns`, the machine's own network namespace: for Docker so that a
// DOCKER_HOST such as tcp://127.0.0.1:2375 means the machine's loopback and not the run's
// sandbox; for Podman, which has no daemon, because the client itself (through netavark) looks
// up the macvlan's parent and creates the containers' interfaces in the namespace it runs in. The
// client's environment (DOCKER_HOST, CONTAINERS_CONF, ...) is the process's own. A client still
// running when this process dies is killed with it (ChildLifetime::ends_with_caller): a `run` must
// not go on creating a container for a run that is gone, after its reaper has looked.
//
// Everything above this class speaks to it through run() and check() with the client's argv; what
// differs between the two clients is in dialect().
class ContainerEngine {
public:
    static constexpr std::chrono::milliseconds kCommandTimeout{120'000};

    // Finds the client on PATH and asks the engine for its version. Empty, with the reason in
    // *why_not (no client, naming the package; no engine answering, in the client's words; no
    // answer in time), when there is no engine to test.
    static std::optional<ContainerEngine> connect(EngineKind kind, const NetNamespace& ns, std::string* why_not,
                                                  std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // The engine behind `client`, asked nothing: for the reaper, which removes what it can even
    // when the engine is slow to answer.
    static ContainerEngine with_client(EngineKind kind, const NetNamespace& ns, std::string client) {
        return ContainerEngine(kind, ns, std::move(client));
    }

    // Runs `<client> args...` with `input` on its standard input.
    EngineResult run(const std::vector<std::string>& args, std::chrono::milliseconds timeout = kCommandTimeout,
                     const std::string& input = "") const;
    // Runs and returns standard output without its trailing newline; throws EngineError on failure.
    std::string check(const std::vector<std::string>& args, std::chrono::milliseconds timeout = kCommandTimeout,
                      const std::string& input = "") const;

    EngineKind kind() const { return dialect_->kind; }
    const EngineDialect& dialect() const { return *dialect_; }
    const NetNamespace& ns() const { return *ns_; }
    const std::string& client() const { return client_; }  // path of the client binary used
    const std::string& client_version() const { return client_version_; }
    // Docker's daemon version ("20.10.24+dfsg1"); Podman's own, which is both client and engine.
    const std::string& server_version() const { return server_version_; }
    // The server version's major and minor numbers ({20, 10}); {0, 0} when it does not parse.
    std::pair<int, int> server_release() const;
    // Podman's network backend ("netavark" or "cni"); "" for Docker.
    const std::string& network_backend() const { return network_backend_; }
    std::string endpoint() const;  // DOCKER_HOST, DOCKER_CONTEXT or the client's default; Podman: "local"
    std::string describe() const;  // "engine 20.10.24+dfsg1 (...), client ... (version)"

private:
    ContainerEngine(EngineKind kind, const NetNamespace& ns, std::string client)
        : dialect_(&dialect_of(kind)), ns_(&ns), client_(std::move(client)) {}
    const EngineDialect* dialect_;
    const NetNamespace* ns_;
    std::string client_, client_version_, server_version_, network_backend_;
};

}  // namespace mvc
