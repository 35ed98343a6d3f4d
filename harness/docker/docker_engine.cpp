// SPDX-License-Identifier: MIT
#include "docker_engine.hpp"

#include <stdlib.h>

#include <boost/process.hpp>

#include <cstdio>

#include "docker_text.hpp"
#include "external_command.hpp"

namespace mvc {

namespace bp = boost::process;
using docker_text::last_line;
using docker_text::trim;

std::string DockerResult::command() const {
    std::string c = "docker";
    for (const auto& a : args) c += " " + a;
    return c;
}

std::string DockerResult::summary() const {
    std::string s = command() + ": ";
    if (timed_out) return s + "no answer in time (killed)";
    s += "exit " + std::to_string(exit_code);
    if (const auto why = last_line(err); !why.empty()) s += ": " + why;
    return s;
}

DockerError::DockerError(DockerResult result) : std::runtime_error(result.summary()), result_(std::move(result)) {}

std::optional<DockerEngine> DockerEngine::connect(const NetNamespace& ns, std::string* why_not,
                                                  std::chrono::milliseconds timeout) {
    const auto found = bp::search_path("docker");
    if (found.empty()) {
        if (why_not) *why_not = "no docker client on PATH (Debian: apt-get install docker.io)";
        return std::nullopt;
    }
    DockerEngine engine(ns, found.string());
    const DockerResult v = engine.run({"version", "--format", "{{.Client.Version}}|{{.Server.Version}}"}, timeout);
    if (!v.ok()) {
        if (why_not) {
            *why_not = "no Docker engine reachable (" + engine.endpoint() + "): ";
            if (v.timed_out)
                *why_not += "`docker version` did not answer within " + std::to_string(timeout.count() / 1000) + " s";
            else
                *why_not += last_line(v.err).empty() ? v.summary() : last_line(v.err);
        }
        return std::nullopt;
    }
    const std::string both = trim(v.out);
    const auto bar = both.find('|');
    engine.client_version_ = both.substr(0, bar);
    engine.server_version_ = bar == std::string::npos ? "" : both.substr(bar + 1);
    if (engine.server_version_.empty()) {
        if (why_not)
            *why_not = "no Docker engine reachable (" + engine.endpoint() + "): the engine reported no version";
        return std::nullopt;
    }
    return engine;
}

DockerResult DockerEngine::run(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                               const std::string& input) const {
    // The child inherits the network namespace of the thread that forks it.
    const auto outcome =
        ns_->run([&] { return run_external(client_, args, timeout, input, ChildLifetime::ends_with_caller); });
    DockerResult r;
    r.args = args;
    r.exit_code = outcome.exit_code;
    r.timed_out = outcome.timed_out;
    r.out = outcome.out;
    r.err = outcome.start_error.empty() ? outcome.err : outcome.start_error;
    return r;
}

std::string DockerEngine::check(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                                const std::string& input) const {
    DockerResult r = run(args, timeout, input);
    if (!r.ok()) throw DockerError(std::move(r));
    return trim(r.out);
}

std::pair<int, int> DockerEngine::server_release() const {
    int major = 0, minor = 0;
    const char* s = server_version_.c_str();
    if (*s == 'v') ++s;
    if (std::sscanf(s, "%d.%d", &major, &minor) < 2) return {0, 0};
    return {major, minor};
}

std::string DockerEngine::endpoint() const {
    if (const char* host = std::getenv("DOCKER_HOST"); host && *host) return std::string("DOCKER_HOST=") + host;
    if (const char* context = std::getenv("DOCKER_CONTEXT"); context && *context)
        return std::string("DOCKER_CONTEXT=") + context;
    return "the client's current context";
}

std::string DockerEngine::describe() const {
    return "engine " + server_version_ + " (" + endpoint() + "), client " + client_ + " " + client_version_;
}

}  // namespace mvc
