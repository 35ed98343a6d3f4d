// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
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
// DOCKER_CONTEXT, its configuration) is the process's own. A client still running when this
// process dies is killed with it (ChildLifetime::ends_with_caller): a `docker run` must not go on
// creating a container for a run that is gone, after its reaper has looked.
//
// Everything above this class speaks to it through run() and check() with the client's argv, so
// another engine with a compatible client (issue 18: Podman) can stand behind the same interface.
class DockerEngine {
public:
    static constexpr std::chrono::milliseconds kCommandTimeout{120'000};

    // Finds the client on PATH and asks the engine for its version. Empty, with the reason in
    // *why_not (no client; no engine answering, in the client's words; no answer in time), when
    // there is no engine to test.
    static std::optional<DockerEngine> connect(const NetNamespace& ns, std::string* why_not,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // The engine behind `client`, asked nothing: for the reaper, which removes what it can even
    // when the engine is slow to answer.
    static DockerEngine with_client(const NetNamespace& ns, std::string client) { return DockerEngine(ns, std::move(client)); }

    // Runs `docker args...` with `input` on its standard input.
    DockerResult run(const std::vector<std::string>& args, std::chrono::milliseconds timeout = kCommandTimeout,
                     const std::string& input = "") const;
    // Runs and returns standard output without its trailing newline; throws DockerError on failure.
    std::string check(const std::vector<std::string>& args, std::chrono::milliseconds timeout = kCommandTimeout,
                      const std::string& input = "") const;

    const NetNamespace& ns() const { return *ns_; }
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

}  // namespace mvc
