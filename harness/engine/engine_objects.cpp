// SPDX-License-Identifier: MIT
#include "engine_objects.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <sstream>

#include "engine_text.hpp"
#include "owner_tag.hpp"

namespace mvc {

namespace {

using engine_text::lines;

std::string lowercase(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool mentions_only_missing(const std::string& err, const std::vector<std::string>& missing_phrases) {
    for (const auto& line : lines(err)) {
        bool missing = false;
        for (const auto& phrase : missing_phrases)
            if (lowercase(line).find(lowercase(phrase)) != std::string::npos) missing = true;
        // Neither are the warnings the client prints on every call, nor the "exit status 1" that
        // newer clients add after a daemon's error.
        if (!missing && !engine_text::is_noise(line)) return false;
    }
    return true;
}

// The three kinds of object, in the order they can be removed: a network with a container attached
// cannot go, nor an image a container uses.
enum class Kind { container, network, image };
const char* name_of(Kind k) { return k == Kind::container ? "container" : k == Kind::network ? "network" : "image"; }

std::vector<std::string> remove_verb(const EngineDialect& d, Kind k) {
    if (k == Kind::container) return d.remove_containers;
    if (k == Kind::network) return {"network", "rm"};
    return {"image", "rm"};
}

const std::vector<std::string>& missing_phrases(const EngineDialect& d, Kind k) {
    return k == Kind::container ? d.no_such_container : k == Kind::network ? d.no_such_network : d.no_such_image;
}

// Removes `names` with one `<client> <verb...> names...`; names the engine does not know count as removed.
std::vector<std::string> remove_batch(const ContainerEngine& engine, Kind kind, const std::vector<std::string>& names) {
    if (names.empty()) return {};
    auto verb = remove_verb(engine.dialect(), kind);
    verb.insert(verb.end(), names.begin(), names.end());
    const EngineResult r = engine.run(verb);
    if (r.ok() || (!r.timed_out && mentions_only_missing(r.err, missing_phrases(engine.dialect(), kind)))) return {};
    return {r.summary()};
}

}  // namespace

const std::string& engine_owner_tag() { return owner_tag(); }

std::string engine_owner_tag_of(pid_t pid) { return owner_tag_of(pid); }

std::string engine_owner_label(const std::string& tag) { return std::string(kOwnerLabel) + "=" + tag; }

void EngineObjects::add(std::vector<std::string>& list, const std::string& name) {
    if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
}

EngineObjects::~EngineObjects() {
    for (const auto& problem : remove_all()) std::cerr << "macvlan-conformance: cleanup: " << problem << "\n";
}

std::string EngineObjects::remove_network(const std::string& name) {
    std::erase(networks_, name);
    const auto problems = remove_batch(engine_, Kind::network, {name});
    return problems.empty() ? "" : problems.front();
}

std::vector<std::string> EngineObjects::remove_all() {
    std::vector<std::string> problems;
    auto take = [&](std::vector<std::string> more) { problems.insert(problems.end(), more.begin(), more.end()); };
    take(remove_batch(engine_, Kind::container, containers_));
    take(remove_batch(engine_, Kind::network, {networks_.rbegin(), networks_.rend()}));
    take(remove_batch(engine_, Kind::image, images_));
    containers_.clear();
    networks_.clear();
    images_.clear();
    return problems;
}

EngineSweep remove_objects_of(const ContainerEngine& engine, const std::string& owner) {
    EngineSweep sweep;
    const std::string filter = "label=" + engine_owner_label(owner);
    const std::pair<Kind, std::vector<std::string>> listings[] = {
        {Kind::container, {"container", "ls", "--all", "--filter", filter, "--format", "{{.Names}}"}},
        {Kind::network, {"network", "ls", "--filter", filter, "--format", "{{.Name}}"}},
        {Kind::image, {"image", "ls", std::string(kTestImageRepository) + ":" + owner, "--format", "{{.Repository}}:{{.Tag}}"}},
    };
    for (const auto& [kind, list] : listings) {
        const EngineResult listed = engine.run(list, std::chrono::seconds(20));
        if (!listed.ok()) {
            sweep.problems.push_back(listed.summary());
            continue;
        }
        const auto names = lines(listed.out);
        if (names.empty()) continue;
        const auto problems = remove_batch(engine, kind, names);
        sweep.problems.insert(sweep.problems.end(), problems.begin(), problems.end());
        // A failed batch may still have removed some: the next pass lists again and says which remain.
        if (problems.empty())
            for (const auto& n : names) sweep.removed.push_back(std::string(name_of(kind)) + " " + n);
    }
    return sweep;
}

std::vector<std::string> remove_leftovers_of_dead_runs(const ContainerEngine& engine) {
    std::vector<std::string> removed;
    const std::string label = kOwnerLabel;
    const EngineDialect& d = engine.dialect();
    auto sweep = [&](const std::vector<std::string>& list, Kind kind) {
        const EngineResult r = engine.run(list);
        if (!r.ok()) return;
        for (const auto& line : lines(r.out)) {
            const auto tab = line.find('\t');
            if (tab == std::string::npos) continue;
            const std::string name = line.substr(0, tab);
            // A Label method prints the value alone; a listing of all labels needs reading.
            std::string owner = line.substr(tab + 1);
            if (owner.find('=') != std::string::npos || owner.rfind("map[", 0) == 0) owner = owner_from_labels(owner, label);
            if (!owner_is_gone(owner)) continue;
            auto argv = remove_verb(d, kind);
            argv.push_back(name);
            if (engine.run(argv).ok()) removed.push_back(std::string(name_of(kind)) + " " + name + " (left by " + owner + ")");
        }
    };
    sweep({"container", "ls", "--all", "--filter", "label=" + label, "--format", d.container_owner_format}, Kind::container);
    sweep({"network", "ls", "--filter", "label=" + label, "--format", d.network_owner_format}, Kind::network);
    sweep({"image", "ls", kTestImageRepository, "--format", "{{.Repository}}:{{.Tag}}\t{{.Tag}}"}, Kind::image);
    return removed;
}

}  // namespace mvc
