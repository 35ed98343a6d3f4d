// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "net_namespace.hpp"

namespace mvc {

// A CNI plugin driven the way a container runtime drives it (the CNI specification, SPEC.md,
// "Execution protocol"): the request in CNI_* environment variables, the network configuration as
// JSON on standard input, the result (or an error document) as JSON on standard output. The plugin
// is started with an argv list and exactly the environment the protocol names (no variable of this
// process's reaches it), from a thread inside the namespace where the plugin must find its master.

// Set to a directory, where the plugins are looked for instead of Debian's /usr/lib/cni and the
// upstream /opt/cni/bin (for a machine that keeps them elsewhere, and for the tests of a machine
// without them).
inline constexpr const char* kCniPathVariable = "MACVLAN_CONFORMANCE_CNI_PATH";
// What the Debian package that brings them is called, for every reason that there are none.
inline constexpr const char* kCniPackage = "containernetworking-plugins";

// The plugin directory with an executable `macvlan` and `host-local`. Empty, with *why_not naming
// what was looked for and the package, when there is none.
std::optional<std::filesystem::path> find_cni_plugins(std::string* why_not);

struct CniRequest {
    std::string command;       // ADD, CHECK, DEL, VERSION
    std::string container_id;  // CNI_CONTAINERID
    std::string netns;         // CNI_NETNS: a path to the pod's network namespace
    std::string ifname;        // CNI_IFNAME: the interface's name inside it
    std::string config;        // the network configuration, JSON
};

// What one invocation gave back.
struct CniOutcome {
    std::string command;  // "macvlan ADD", for messages
    int exit_code = -1;
    bool timed_out = false;
    std::string out, err;
    std::string start_error;
    // The error document of a failed invocation (SPEC.md, "Error"): its code and msg, and details
    // when given. Empty when it succeeded or printed no readable error.
    std::optional<int> error_code;
    std::string error_msg, error_details;

    bool ok() const { return start_error.empty() && !timed_out && exit_code == 0; }
    std::string summary() const;  // the command, how it ended, and the plugin's own message
};

class CniPlugin {
public:
    static constexpr std::chrono::milliseconds kTimeout{30'000};

    // `type` ("macvlan") in `directory`, which is also CNI_PATH (where it finds its IPAM plugin).
    CniPlugin(std::filesystem::path directory, std::string type) : directory_(std::move(directory)), type_(std::move(type)) {}

    // Runs the plugin with `request` from a thread in `where` (the namespace of its master; null:
    // the calling thread's own, as it is, for tests without the privilege to enter one). The
    // plugin dies with this process (ChildLifetime::ends_with_caller): an ADD must not go on
    // creating for a run that is gone.
    CniOutcome invoke(const NetNamespace* where, const CniRequest& request) const;

    const std::filesystem::path& directory() const { return directory_; }
    const std::string& type() const { return type_; }

private:
    std::filesystem::path directory_;
    std::string type_;
};

}  // namespace mvc
