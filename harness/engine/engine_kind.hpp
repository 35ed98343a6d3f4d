// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mvc {

// The container engines the suite drives, and what differs between their command-line clients.
// Everything else (labels, the owner tag, the reaper, the test image's archive, the lab) is the
// same for both: the clients accept the same argv for everything the suite does except what is
// listed here.
enum class EngineKind { docker, podman };

std::string_view to_string(EngineKind kind);          // "docker", "podman"
EngineKind engine_kind_from_string(std::string_view);  // throws std::invalid_argument

struct EngineDialect {
    EngineKind kind;
    const char* display;  // "Docker", "Podman": for messages
    const char* client;   // the program looked for on PATH
    const char* package;  // the Debian package that brings it
    // `rm` for containers, forcibly. Podman's --force stops a container with SIGTERM and waits 10
    // s before SIGKILL (containers/podman libpod/container_api.go, StopWithTimeout; busybox as PID
    // 1 ignores SIGTERM): --time 0 kills at once, as Docker's --force does.
    std::vector<std::string> remove_containers;
    // The macvlan driver's mode option: -o macvlan_mode=... (moby libnetwork/drivers/macvlan) or
    // -o mode=... (containers/common libnetwork/netavark/config.go, createMacvlan).
    const char* mode_option;
    // Go templates that print one object per line, with the owner label's value after a tab.
    // Docker's listings have a Label method; Podman's container listing has a Labels map and its
    // network listing prints labels as "k=v" text, from which the owner is read
    // (owner_from_labels).
    const char* container_owner_format;
    const char* network_owner_format;
    // `network inspect --format` that prints every subnet of a network, separated by spaces.
    const char* subnets_format;
    // Extra `container run` arguments. Podman, run as root, raises the container's RLIMIT_NOFILE
    // and RLIMIT_NPROC to 1048576 unless told otherwise (containers/podman
    // pkg/specgen/generate/oci.go, addRlimits), which runc can only do with CAP_SYS_RESOURCE; a
    // machine whose root lacks it (a container or VM with a reduced bounding set, such as this
    // project's development VM) fails every start ("error setting rlimit type 7"). The test
    // container runs one process that opens nothing: small limits are enough.
    std::vector<std::string> run_extra;
    // Phrases of the client's message for "no such object", per kind (matched case-insensitively):
    // a removal of what is already gone is no failure.
    std::vector<std::string> no_such_container, no_such_network, no_such_image;
};

const EngineDialect& dialect_of(EngineKind kind);

// The value of label `key` in a listing's "k1=v1,k2=v2" or "map[k1:v1 k2:v2]" text; "" if absent.
std::string owner_from_labels(const std::string& labels, const std::string& key);

}  // namespace mvc
