// SPDX-License-Identifier: MIT
#include "cni_network.hpp"

#include <fstream>
#include <sstream>

namespace mvc {

namespace fs = std::filesystem;
using nlohmann::json;

CniNetwork::CniNetwork(CniPlugin plugin, json config, fs::path cache_dir, const NetNamespace* where)
    : plugin_(std::move(plugin)), config_(std::move(config)), cache_dir_(std::move(cache_dir)), where_(where) {}

fs::path CniNetwork::cache_entry(const CniPod& pod) const {
    return cache_dir_ / "results" / (name() + "-" + pod.container_id + "-" + pod.ifname);
}

std::optional<std::string> CniNetwork::cached_result(const CniPod& pod) const {
    std::ifstream in(cache_entry(pod));
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    const json entry = json::parse(text.str(), nullptr, false);
    if (!entry.is_object() || !entry.contains("result")) return std::nullopt;
    return entry.at("result").dump();
}

CniOutcome CniNetwork::invoke(const std::string& command, const CniPod& pod, bool with_previous) {
    json config = config_;
    if (with_previous)
        if (const auto previous = cached_result(pod)) config["prevResult"] = json::parse(*previous);
    return plugin_.invoke(where_, {command, pod.container_id, pod.netns, pod.ifname, config.dump()});
}

CniOutcome CniNetwork::add(const CniPod& pod, std::optional<CniResult>* result) {
    CniOutcome outcome = invoke("ADD", pod, false);
    if (!outcome.ok()) return outcome;
    CniResult parsed = CniResult::parse(outcome.out);
    fs::create_directories(cache_entry(pod).parent_path());
    const json entry{{"kind", "cniCacheV1"},           {"containerId", pod.container_id}, {"ifName", pod.ifname},
                     {"networkName", name()},          {"config", config_.dump()},        {"result", json::parse(outcome.out)}};
    std::ofstream out(cache_entry(pod));
    out << entry.dump();
    if (!out) throw std::runtime_error("cannot write the CNI cache entry " + cache_entry(pod).string());
    if (result) *result = std::move(parsed);
    return outcome;
}

CniOutcome CniNetwork::check(const CniPod& pod) { return invoke("CHECK", pod, true); }

CniOutcome CniNetwork::del(const CniPod& pod) {
    CniOutcome outcome = invoke("DEL", pod, true);
    if (outcome.ok()) {
        std::error_code ec;
        fs::remove(cache_entry(pod), ec);
    }
    return outcome;
}

}  // namespace mvc
