// SPDX-License-Identifier: MIT
#include "docker_run_watch.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/process.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "conformance_process.hpp"
#include "engine_lab.hpp"
#include "engine_objects.hpp"
#include "engine_kind.hpp"
#include "engine_reaper.hpp"
#include "net_namespace.hpp"
#include "rtnl.hpp"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71  // Linux 5.14
#endif

namespace mvc::testing_support {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

// A /proc file of a process that exits while it is read fails the read with ESRCH. Reading through
// the streambuf iterator lets libstdc++ throw from underflow; inserting the whole buffer into a
// stream turns that into a failbit, so a vanished process reads as empty text, like a missing one.
std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream text;
    if (in) text << in.rdbuf();
    return text.str();
}

// "net:[4026531840]" -> 4026531840; 0 for anything else.
ino_t net_inode(const fs::path& link) {
    std::error_code ec;
    const std::string target = fs::read_symlink(link, ec).string();
    if (ec || target.rfind("net:[", 0) != 0) return 0;
    return static_cast<ino_t>(std::stoull(target.substr(5)));
}

uint64_t cookie_of(const std::string& path) {
    try {
        const NetNamespace ns = NetNamespace::open(path);
        return ns.run([] {
            uint64_t cookie = 0;
            socklen_t length = sizeof cookie;
            const int s = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (s < 0) return uint64_t{0};
            if (::getsockopt(s, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &length) != 0) cookie = 0;
            ::close(s);
            return cookie;
        });
    } catch (const std::exception&) {
        return 0;  // gone meanwhile, or not a namespace any more
    }
}

ino_t own_namespace() { return net_inode("/proc/self/ns/net"); }

// Every place a process holds a network namespace: its descriptors and its threads' namespaces.
template <typename Fn>
void for_each_namespace_link(const fs::path& proc_pid, Fn&& fn) {
    std::error_code ec;
    for (const auto& fd : fs::directory_iterator(proc_pid / "fd", ec)) fn(fd.path());
    for (const auto& task : fs::directory_iterator(proc_pid / "task", ec)) fn(task.path() / "ns" / "net");
}

}  // namespace

std::string read_text(const std::filesystem::path& path) { return slurp(path); }

std::string engine_client(EngineKind kind) { return boost::process::search_path(dialect_of(kind).client).string(); }
std::string docker_client() { return engine_client(EngineKind::docker); }

std::string engine_missing(EngineKind kind) {
    const std::string client = engine_client(kind);
    if (client.empty()) return std::string("no ") + dialect_of(kind).client + " client on PATH";
    const auto r = kind == EngineKind::docker ? run_program(client, {"version", "--format", "{{.Server.Version}}"})
                                              : run_program(client, {"info", "--format", "{{.Version.Version}}"});
    if (r.exit_code != 0 || r.out.empty()) return std::string("no ") + dialect_of(kind).display + " engine answers: " + r.err;
    return "";
}
std::string docker_engine_missing() { return engine_missing(EngineKind::docker); }

std::vector<std::string> objects_of_run(pid_t pid, const std::string& tag) {
    std::vector<std::string> found;
    for (auto kind : {EngineKind::docker, EngineKind::podman}) {
        if (!engine_missing(kind).empty()) continue;
        const std::string client = engine_client(kind);
        const std::string filter = "label=" + engine_owner_label(tag);
        const std::pair<const char*, std::vector<std::string>> listings[] = {
            {"container", {"container", "ls", "--all", "--filter", filter, "--format", "{{.Names}} ({{.State}})"}},
            {"network", {"network", "ls", "--filter", filter, "--format", "{{.Name}}"}},
            {"image", {"image", "ls", std::string(kTestImageRepository) + ":" + tag, "--format", "{{.Repository}}:{{.Tag}}"}},
        };
        const std::string who = std::string(to_string(kind)) + " ";
        for (const auto& [object, args] : listings) {
            const auto r = run_program(client, args);
            if (r.exit_code != 0) found.push_back(who + "cannot list " + object + "s: " + r.err);
            for (const auto& line : lines_of(r.out)) found.push_back(who + object + " " + line);
        }
    }
    Rtnl root(NetNamespace::of_current_thread());
    for (const auto& l : root.links())
        for (char role : {kParentRole, kShimRole})
            if (l.name.rfind(machine_link_prefix(role, pid), 0) == 0) found.push_back("link " + l.name);
    // The CNI suite's files: a scratch directory of the run's (only where it had no detached tmpfs).
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/tmp", ec))
        if (e.path().filename().string().rfind("macvlan-conformance-cni-" + tag + ".", 0) == 0)
            found.push_back("directory " + e.path().string());
    // A plugin the run started (it dies with the run: PR_SET_PDEATHSIG).
    for (const auto& p : fs::directory_iterator("/proc", ec)) {
        const std::string name = p.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string exe = fs::read_symlink(p.path() / "exe", ec).string();
        if (!ec && exe.rfind("/usr/lib/cni/", 0) == 0) found.push_back("CNI plugin process " + name + " (" + exe + ")");
    }
    return found;
}

std::vector<HeldNamespace> namespaces_held_by(pid_t pid) {
    std::vector<HeldNamespace> held;
    std::map<ino_t, bool> seen{{own_namespace(), true}};
    for_each_namespace_link(fs::path("/proc") / std::to_string(pid), [&](const fs::path& link) {
        const ino_t inode = net_inode(link);
        if (!inode || seen[inode]) return;
        seen[inode] = true;
        held.push_back({inode, cookie_of(link.string()), link.string()});
    });
    return held;
}

std::vector<std::string> still_held(const std::vector<HeldNamespace>& namespaces) {
    std::map<ino_t, const HeldNamespace*> wanted;
    for (const auto& n : namespaces) wanted[n.inode] = &n;
    std::vector<std::string> out;
    auto check = [&](const std::string& path, const std::string& who) {
        const ino_t inode = net_inode(path);
        const auto it = wanted.find(inode);
        if (it == wanted.end()) return;
        const uint64_t cookie = cookie_of(path);
        if (it->second->cookie && cookie && cookie != it->second->cookie) return;  // a new namespace, same inode
        out.push_back("the run's namespace net:[" + std::to_string(inode) + "] (was " + it->second->where + ") is held by " + who);
    };
    std::error_code ec;
    for (const auto& p : fs::directory_iterator("/proc", ec)) {
        const std::string name = p.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string comm = lines_of(slurp(p.path() / "comm")).empty() ? "?" : lines_of(slurp(p.path() / "comm"))[0];
        for_each_namespace_link(p.path(), [&](const fs::path& link) { check(link.string(), "pid " + name + " (" + comm + ") at " + link.string()); });
    }
    // A bind mount of the namespace (ip netns add, a container engine's netns file).
    std::ifstream mounts("/proc/self/mountinfo");
    for (std::string line; std::getline(mounts, line);) {
        std::istringstream fields(line);
        std::string id, parent, device, root, point;
        fields >> id >> parent >> device >> root >> point;
        if (root.rfind("net:[", 0) != 0) continue;
        const ino_t inode = static_cast<ino_t>(std::stoull(root.substr(5)));
        if (wanted.count(inode)) check(point, "a mount at " + point);
    }
    return out;
}

std::vector<pid_t> reapers_of(const std::string& tag) {
    std::vector<pid_t> found;
    std::error_code ec;
    for (const auto& p : fs::directory_iterator("/proc", ec)) {
        const std::string name = p.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string cmdline = slurp(p.path() / "cmdline");
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        if (cmdline.find(std::string(" ") + kReaperMode + " --owner " + tag + " ") != std::string::npos && !process_gone(std::stoi(name)))
            found.push_back(std::stoi(name));
    }
    return found;
}

std::optional<pid_t> reaper_of(const std::string& tag) {
    const auto all = reapers_of(tag);
    if (all.empty()) return std::nullopt;
    return all.front();
}

bool process_gone(pid_t pid) {
    const std::string text = slurp("/proc/" + std::to_string(pid) + "/stat");
    const auto close = text.rfind(')');
    return close == std::string::npos || text.compare(close + 2, 1, "Z") == 0;
}

std::optional<double> seconds_until_gone(pid_t pid, std::chrono::seconds limit) {
    const auto start = std::chrono::steady_clock::now();
    while (!process_gone(pid)) {
        if (std::chrono::steady_clock::now() - start > limit) return std::nullopt;
        std::this_thread::sleep_for(20ms);
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace mvc::testing_support
