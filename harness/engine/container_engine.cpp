// SPDX-License-Identifier: MIT
#include "container_engine.hpp"

#include <stdlib.h>

#include <boost/process.hpp>

#include <cstdio>
#include <filesystem>

#include "engine_text.hpp"
#include "external_command.hpp"

namespace mvc {

namespace bp = boost::process;
using engine_text::last_line;
using engine_text::trim;

std::string EngineResult::command() const {
    std::string c = client;
    for (const auto& a : args) c += " " + a;
    return c;
}

std::string EngineResult::summary() const {
    std::string s = command() + ": ";
    if (timed_out) return s + "no answer in time (killed)";
    s += "exit " + std::to_string(exit_code);
    if (const auto why = last_line(err); !why.empty()) s += ": " + why;
    return s;
}

EngineError::EngineError(EngineResult result) : std::runtime_error(result.summary()), result_(std::move(result)) {}

std::optional<ContainerEngine> ContainerEngine::connect(EngineKind kind, const NetNamespace& ns, std::string* why_not,
                                                        std::chrono::milliseconds timeout) {
    const EngineDialect& d = dialect_of(kind);
    const auto found = bp::search_path(d.client);
    if (found.empty()) {
        if (why_not)
            *why_not = std::string("no ") + d.client + " client on PATH (Debian: apt-get install " + d.package +
                       "; ci/install-deps.sh --" + std::string(to_string(kind)) + ")";
        return std::nullopt;
    }
    ContainerEngine engine(kind, ns, found.string());
    // Docker: the client's and the daemon's versions. Podman has no daemon: `podman info` reads its
    // configuration and storage and says which network backend it chose.
    const std::vector<std::string> ask =
        kind == EngineKind::docker
            ? std::vector<std::string>{"version", "--format", "{{.Client.Version}}|{{.Server.Version}}"}
            : std::vector<std::string>{"info", "--format", "{{.Version.Version}}|{{.Version.Version}}|{{.Host.NetworkBackend}}"};
    const EngineResult v = engine.run(ask, timeout);
    const std::string who = std::string("no ") + d.display + " engine reachable (" + engine.endpoint() + "): ";
    if (!v.ok()) {
        if (why_not) {
            *why_not = who;
            if (v.timed_out)
                *why_not += "`" + std::string(d.client) + " " + ask.front() + "` did not answer within " +
                            std::to_string(timeout.count() / 1000) + " s";
            else
                *why_not += last_line(v.err).empty() ? v.summary() : last_line(v.err);
        }
        return std::nullopt;
    }
    std::vector<std::string> parts;
    std::string rest = trim(v.out);
    for (size_t bar; (bar = rest.find('|')) != std::string::npos; rest.erase(0, bar + 1)) parts.push_back(rest.substr(0, bar));
    parts.push_back(rest);
    engine.client_version_ = parts.at(0);
    engine.server_version_ = parts.size() > 1 ? parts[1] : "";
    if (parts.size() > 2) engine.network_backend_ = parts[2];
    if (engine.server_version_.empty()) {
        if (why_not) *why_not = who + "the engine reported no version";
        return std::nullopt;
    }
    return engine;
}

EngineResult ContainerEngine::run(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                                  const std::string& input) const {
    // The child inherits the network namespace of the thread that forks it.
    const auto outcome = ns_->run([&] {
        return run_external(client_, args, timeout, ExternalOptions{input, ChildLifetime::ends_with_caller, std::nullopt});
    });
    EngineResult r;
    r.client = std::filesystem::path(client_).filename().string();
    r.args = args;
    r.exit_code = outcome.exit_code;
    r.timed_out = outcome.timed_out;
    r.out = outcome.out;
    r.err = outcome.start_error.empty() ? outcome.err : outcome.start_error;
    return r;
}

std::string ContainerEngine::check(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                                   const std::string& input) const {
    EngineResult r = run(args, timeout, input);
    if (!r.ok()) throw EngineError(std::move(r));
    return trim(r.out);
}

std::pair<int, int> ContainerEngine::server_release() const {
    int major = 0, minor = 0;
    const char* s = server_version_.c_str();
    if (*s == 'v') ++s;
    if (std::sscanf(s, "%d.%d", &major, &minor) < 2) return {0, 0};
    return {major, minor};
}

std::string ContainerEngine::endpoint() const {
    if (kind() == EngineKind::podman) {
        if (const char* url = std::getenv("CONTAINER_HOST"); url && *url) return std::string("CONTAINER_HOST=") + url;
        return "local, no daemon";
    }
    if (const char* host = std::getenv("DOCKER_HOST"); host && *host) return std::string("DOCKER_HOST=") + host;
    if (const char* context = std::getenv("DOCKER_CONTEXT"); context && *context)
        return std::string("DOCKER_CONTEXT=") + context;
    return "the client's current context";
}

std::string ContainerEngine::describe() const {
    std::string s = std::string(dialect().display) + " " + server_version_ + " (" + endpoint() + "), client " + client_ +
                    " " + client_version_;
    if (!network_backend_.empty()) s += ", network backend " + network_backend_;
    return s;
}

}  // namespace mvc
