// SPDX-License-Identifier: MIT
#include "docker_objects.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "docker_text.hpp"

namespace mvc {

namespace {

using docker_text::lines;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. Empty when
// there is no such process, or only its zombie (killed, not yet reaped: its objects are orphans
// already). The command name may contain spaces and parentheses: parse after the last ')'.
std::string start_time(const std::string& pid) {
    const std::string stat = read_file("/proc/" + pid + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return "";
    std::istringstream rest(stat.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 22 && rest >> field; ++i) {
        if (i == 3 && (field == "Z" || field == "X")) return "";
        if (i == 22) return field;
    }
    return "";
}

std::string pid_namespace() {
    struct stat st {};
    if (::stat("/proc/self/ns/pid", &st) != 0) return "0";
    return std::to_string(st.st_ino);
}

// Is the owner tag's process still running? Unknown (a PID namespace we cannot look into) counts
// as running: only leftovers that are certainly orphaned are removed.
bool owner_is_gone(const std::string& tag) {
    const auto first = tag.find('-');
    const auto second = tag.find('-', first == std::string::npos ? first : first + 1);
    if (first == std::string::npos || second == std::string::npos) return false;
    if (tag.substr(0, first) != pid_namespace()) return false;
    const std::string pid = tag.substr(first + 1, second - first - 1);
    const std::string started = tag.substr(second + 1);
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) return false;
    return start_time(pid) != started;
}

bool mentions_only_missing(const std::string& err, const std::vector<const char*>& missing_phrases) {
    for (const auto& line : lines(err)) {
        bool missing = false;
        for (const char* phrase : missing_phrases)
            if (line.find(phrase) != std::string::npos) missing = true;
        // Neither are the warnings the client prints on every call, nor the "exit status 1" that
        // newer clients add after a daemon's error.
        if (!missing && !docker_text::is_noise(line)) return false;
    }
    return true;
}

// Removes `names` with one `docker <verb...> names...`; names the engine does not know count as removed.
std::vector<std::string> remove_batch(const DockerEngine& engine, std::vector<std::string> verb,
                                      const std::vector<std::string>& names, const std::vector<const char*>& missing) {
    if (names.empty()) return {};
    verb.insert(verb.end(), names.begin(), names.end());
    const DockerResult r = engine.run(verb);
    if (r.ok() || (!r.timed_out && mentions_only_missing(r.err, missing))) return {};
    return {r.summary()};
}

const std::vector<const char*> kNoSuchContainer{"No such container"};
const std::vector<const char*> kNoSuchNetwork{"No such network", "not found"};
const std::vector<const char*> kNoSuchImage{"No such image"};

// The three kinds of object, in the order they can be removed: a network with a container attached
// cannot go, nor an image a container uses.
struct Kind {
    const char* name;
    std::vector<std::string> remove;
    const std::vector<const char*>* missing;
};
const Kind kContainers{"container", {"rm", "--force", "--volumes"}, &kNoSuchContainer};
const Kind kNetworks{"network", {"network", "rm"}, &kNoSuchNetwork};
const Kind kImages{"image", {"image", "rm"}, &kNoSuchImage};

}  // namespace

const std::string& docker_owner_tag() {
    static const std::string tag = docker_owner_tag_of(::getpid());
    return tag;
}

std::string docker_owner_tag_of(pid_t pid) {
    const std::string started = start_time(std::to_string(pid));
    if (started.empty()) return "";
    return pid_namespace() + "-" + std::to_string(pid) + "-" + started;
}

std::string docker_owner_label(const std::string& tag) { return std::string(kDockerOwnerLabel) + "=" + tag; }

void DockerObjects::add(std::vector<std::string>& list, const std::string& name) {
    if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
}

DockerObjects::~DockerObjects() {
    for (const auto& problem : remove_all()) std::cerr << "macvlan-conformance: cleanup: " << problem << "\n";
}

std::string DockerObjects::remove_network(const std::string& name) {
    std::erase(networks_, name);
    const auto problems = remove_batch(engine_, kNetworks.remove, {name}, *kNetworks.missing);
    return problems.empty() ? "" : problems.front();
}

std::vector<std::string> DockerObjects::remove_all() {
    std::vector<std::string> problems;
    auto take = [&](std::vector<std::string> more) { problems.insert(problems.end(), more.begin(), more.end()); };
    take(remove_batch(engine_, kContainers.remove, containers_, *kContainers.missing));
    take(remove_batch(engine_, kNetworks.remove, {networks_.rbegin(), networks_.rend()}, *kNetworks.missing));
    take(remove_batch(engine_, kImages.remove, images_, *kImages.missing));
    containers_.clear();
    networks_.clear();
    images_.clear();
    return problems;
}

DockerSweep remove_objects_of(const DockerEngine& engine, const std::string& owner) {
    DockerSweep sweep;
    const std::string filter = "label=" + docker_owner_label(owner);
    const std::pair<const Kind*, std::vector<std::string>> listings[] = {
        {&kContainers, {"container", "ls", "--all", "--filter", filter, "--format", "{{.Names}}"}},
        {&kNetworks, {"network", "ls", "--filter", filter, "--format", "{{.Name}}"}},
        {&kImages, {"image", "ls", std::string(kDockerImageRepository) + ":" + owner, "--format", "{{.Repository}}:{{.Tag}}"}},
    };
    for (const auto& [kind, list] : listings) {
        const DockerResult listed = engine.run(list, std::chrono::seconds(20));
        if (!listed.ok()) {
            sweep.problems.push_back(listed.summary());
            continue;
        }
        const auto names = lines(listed.out);
        if (names.empty()) continue;
        const auto problems = remove_batch(engine, kind->remove, names, *kind->missing);
        sweep.problems.insert(sweep.problems.end(), problems.begin(), problems.end());
        // A failed batch may still have removed some: the next pass lists again and says which remain.
        if (problems.empty())
            for (const auto& n : names) sweep.removed.push_back(std::string(kind->name) + " " + n);
    }
    return sweep;
}

std::vector<std::string> remove_leftovers_of_dead_runs(const DockerEngine& engine) {
    std::vector<std::string> removed;
    const std::string label = kDockerOwnerLabel;
    const std::string owner_format = "{{.Label \"" + label + "\"}}";
    auto sweep = [&](const std::vector<std::string>& list, const Kind& kind) {
        const DockerResult r = engine.run(list);
        if (!r.ok()) return;
        for (const auto& line : lines(r.out)) {
            const auto tab = line.find('\t');
            if (tab == std::string::npos) continue;
            const std::string name = line.substr(0, tab), owner = line.substr(tab + 1);
            if (!owner_is_gone(owner)) continue;
            auto argv = kind.remove;
            argv.push_back(name);
            if (engine.run(argv).ok()) removed.push_back(std::string(kind.name) + " " + name + " (left by " + owner + ")");
        }
    };
    sweep({"container", "ls", "--all", "--filter", "label=" + label, "--format", "{{.Names}}\t" + owner_format},
          kContainers);
    sweep({"network", "ls", "--filter", "label=" + label, "--format", "{{.Name}}\t" + owner_format}, kNetworks);
    sweep({"image", "ls", kDockerImageRepository, "--format", "{{.Repository}}:{{.Tag}}\t{{.Tag}}"}, kImages);
    return removed;
}

}  // namespace mvc
