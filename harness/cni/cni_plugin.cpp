// SPDX-License-Identifier: MIT
#include "cni_plugin.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <map>

#include "external_command.hpp"

namespace mvc {

namespace {

bool executable(const std::filesystem::path& p) {
    std::error_code ec;
    return std::filesystem::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

std::string last_nonempty_line(const std::string& text) {
    std::string line, last;
    for (char c : text) {
        if (c == '\n') {
            if (!line.empty()) last = line;
            line.clear();
        } else {
            line += c;
        }
    }
    return line.empty() ? last : line;
}

}  // namespace

std::optional<std::filesystem::path> find_cni_plugins(std::string* why_not) {
    std::vector<std::filesystem::path> candidates;
    const char* chosen = std::getenv(kCniPathVariable);
    if (chosen && *chosen) candidates = {chosen};
    else candidates = {"/usr/lib/cni", "/opt/cni/bin"};
    std::string looked;
    for (const auto& dir : candidates) {
        if (executable(dir / "macvlan") && executable(dir / "host-local")) return dir;
        looked += (looked.empty() ? "" : ", ") + (dir / "macvlan").string() + " and host-local";
    }
    if (why_not)
        *why_not = "no CNI macvlan and host-local plugins (" + looked + ")" +
                   (chosen && *chosen ? std::string(" (") + kCniPathVariable + " is set)" : std::string()) +
                   " (Debian: apt-get install " + kCniPackage + "; ci/install-deps.sh --cni)";
    return std::nullopt;
}

std::string CniOutcome::summary() const {
    std::string s = command + ": ";
    if (!start_error.empty()) return s + start_error;
    if (timed_out) return s + "no answer in time (killed)";
    s += "exit " + std::to_string(exit_code);
    if (error_code) s += ": code " + std::to_string(*error_code) + ": " + error_msg + (error_details.empty() ? "" : " (" + error_details + ")");
    else if (const auto why = last_nonempty_line(err); !why.empty()) s += ": " + why;
    return s;
}

CniOutcome CniPlugin::invoke(const NetNamespace* where, const CniRequest& request) const {
    // The protocol's variables and nothing else: a plugin must not depend on the caller's
    // environment, and this process's (DOCKER_HOST, proxies, ...) is none of its business.
    std::map<std::string, std::string> environment{
        {"CNI_COMMAND", request.command},       {"CNI_CONTAINERID", request.container_id},
        {"CNI_NETNS", request.netns},           {"CNI_IFNAME", request.ifname},
        {"CNI_PATH", directory_.string()},
    };
    const std::string exe = (directory_ / type_).string();
    const auto start = [&] {
        return run_external(exe, {}, kTimeout, ExternalOptions{request.config, ChildLifetime::ends_with_caller, environment});
    };
    const auto outcome = where ? where->run(start) : start();
    CniOutcome r;
    r.command = type_ + " " + request.command;
    r.exit_code = outcome.exit_code;
    r.timed_out = outcome.timed_out;
    r.out = outcome.out;
    r.err = outcome.err;
    r.start_error = outcome.start_error;
    if (!r.ok() && !r.out.empty()) {
        // SPEC.md, "Error": {"cniVersion", "code", "msg", "details"} on standard output.
        const auto doc = nlohmann::json::parse(r.out, nullptr, false);
        if (doc.is_object() && doc.contains("code") && doc.at("code").is_number_integer()) {
            r.error_code = doc.at("code").get<int>();
            r.error_msg = doc.value("msg", "");
            r.error_details = doc.value("details", "");
        }
    }
    return r;
}

}  // namespace mvc
