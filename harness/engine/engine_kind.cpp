// SPDX-License-Identifier: MIT
#include "engine_kind.hpp"

#include <stdexcept>

namespace mvc {

namespace {

const EngineDialect kDocker{
    EngineKind::docker,
    "Docker",
    "docker",
    "docker.io",
    {"rm", "--force", "--volumes"},
    "macvlan_mode",
    "{{.Names}}\t{{.Label \"org.macvlan-conformance.owner\"}}",
    "{{.Name}}\t{{.Label \"org.macvlan-conformance.owner\"}}",
    "{{range .IPAM.Config}}{{.Subnet}} {{end}}",
    {},
    {"No such container"},
    {"No such network", "not found"},
    {"No such image"},
};

const EngineDialect kPodman{
    EngineKind::podman,
    "Podman",
    "podman",
    "podman",
    {"rm", "--force", "--time", "0", "--volumes"},
    "mode",
    "{{.Names}}\t{{index .Labels \"org.macvlan-conformance.owner\"}}",
    "{{.Name}}\t{{.Labels}}",
    "{{range .Subnets}}{{.Subnet}} {{end}}",
    {"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"},
    {"no such container"},
    {"network not found"},
    {"image not known"},
};

}  // namespace

std::string_view to_string(EngineKind kind) { return kind == EngineKind::docker ? "docker" : "podman"; }

EngineKind engine_kind_from_string(std::string_view text) {
    if (text == "docker") return EngineKind::docker;
    if (text == "podman") return EngineKind::podman;
    throw std::invalid_argument("not a container engine: \"" + std::string(text) + "\" (docker, podman)");
}

const EngineDialect& dialect_of(EngineKind kind) { return kind == EngineKind::docker ? kDocker : kPodman; }

std::string owner_from_labels(const std::string& labels, const std::string& key) {
    // Docker and Podman print "k1=v1,k2=v2"; a Go map prints "map[k1:v1 k2:v2]". Label keys of
    // this project contain neither separator.
    for (const char* assign : {"=", ":"}) {
        const std::string wanted = key + assign;
        for (size_t at = labels.find(wanted); at != std::string::npos; at = labels.find(wanted, at + 1)) {
            const bool starts = at == 0 || labels[at - 1] == ',' || labels[at - 1] == ' ' || labels[at - 1] == '[';
            if (!starts) continue;
            const size_t begin = at + wanted.size();
            const size_t end = labels.find_first_of(", ]", begin);
            return labels.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
        }
    }
    return "";
}

}  // namespace mvc
