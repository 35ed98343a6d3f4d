// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni_plugin.hpp"
#include "cni_result.hpp"
#include "net_namespace.hpp"

namespace mvc {

// One pod as the runtime names it to the plugin.
struct CniPod {
    std::string container_id;
    std::string netns;   // path to its network namespace
    std::string ifname;  // its interface's name inside it
};

// What the runtime side of CNI keeps: the network configuration and, per pod, the result of its
// ADD, which CHECK and DEL are given back as prevResult (SPEC.md, "Section 3: Execution of Network
// Configurations", CHECK and DEL). Stored like libcni's cache (<cacheDir>/results/
// <network>-<container>-<ifname>, a "cniCacheV1" document) so that a runtime that dies can be
// followed by another, and removed after a DEL that succeeded.
//
// The plugin runs in `where`, the namespace that holds the master (null: the caller's own).
class CniNetwork {
public:
    CniNetwork(CniPlugin plugin, nlohmann::json config, std::filesystem::path cache_dir, const NetNamespace* where);

    // ADD; on success the result is read (throws std::runtime_error when it cannot be) and cached.
    CniOutcome add(const CniPod& pod, std::optional<CniResult>* result = nullptr);
    // CHECK and DEL, with the cached result as prevResult (none when there is no entry). A DEL
    // that succeeds removes the entry.
    CniOutcome check(const CniPod& pod);
    CniOutcome del(const CniPod& pod);

    const nlohmann::json& config() const { return config_; }
    std::string name() const { return config_.value("name", ""); }
    std::filesystem::path cache_entry(const CniPod& pod) const;
    // The cached result of `pod`, if there is one.
    std::optional<std::string> cached_result(const CniPod& pod) const;

private:
    CniOutcome invoke(const std::string& command, const CniPod& pod, bool with_previous);
    CniPlugin plugin_;
    nlohmann::json config_;
    std::filesystem::path cache_dir_;
    const NetNamespace* where_;
};

}  // namespace mvc
