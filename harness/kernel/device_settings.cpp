// SPDX-License-Identifier: MIT
#include "device_settings.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "error.hpp"
#include "unique_fd.hpp"

namespace mvc {

namespace {

constexpr const char* kTrees[] = {"ipv4/conf", "ipv4/neigh", "ipv6/neigh", "ipv6/conf"};

// "ipv6/conf/disable_ipv6" -> "/proc/sys/net/ipv6/conf/<if>/disable_ipv6".
std::string tree_of(const std::string& key) { return key.substr(0, key.rfind('/')); }
std::string name_of(const std::string& key) { return key.substr(key.rfind('/') + 1); }
std::string path_of(const std::string& key, const std::string& ifname) {
    return "/proc/sys/net/" + tree_of(key) + "/" + ifname + "/" + name_of(key);
}

// "net.ipv6.conf.nic1.disable_ipv6", as sysctl(8) names it, for messages.
std::string sysctl_name(const std::string& key, const std::string& ifname) {
    std::string tree = tree_of(key);
    std::replace(tree.begin(), tree.end(), '/', '.');
    return "net." + tree + "." + ifname + "." + name_of(key);
}

// The file's text without its trailing newline; false when it cannot be read.
bool read_value(const std::string& path, std::string& value) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    value.clear();
    char buf[256];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) value.append(buf, static_cast<size_t>(n));
    if (n < 0) return false;
    while (!value.empty() && value.back() == '\n') value.pop_back();
    return true;
}

// Where a value goes in write_device_settings' order (see the header).
int rank(const std::string& key) {
    const std::string tree = tree_of(key), name = name_of(key);
    if (tree == "ipv4/conf") return 0;
    if (tree.ends_with("/neigh")) return name.ends_with("_ms") ? 2 : 1;
    if (name == "stable_secret") return 3;
    if (name == "addr_gen_mode") return 4;
    if (name == "mtu") return 6;
    if (name == "disable_ipv6") return 7;
    return 5;
}

}  // namespace

DeviceSettings read_device_settings(const NetNamespace& ns, const std::string& ifname) {
    // /proc/sys/net shows the namespace of the thread that looks, so the reading happens in `ns`.
    return ns.run([&] {
        DeviceSettings settings;
        for (const char* tree : kTrees) {
            std::error_code ec;
            for (const auto& e : std::filesystem::directory_iterator("/proc/sys/net/" + std::string(tree) + "/" + ifname, ec)) {
                std::string value;
                if (read_value(e.path(), value)) settings.values[std::string(tree) + "/" + e.path().filename().string()] = value;
            }
        }
        return settings;
    });
}

std::vector<std::string> write_device_settings(Rtnl& rtnl, const NetNamespace& ns, int ifindex, const DeviceSettings& wanted) {
    const std::string ifname = rtnl.link(ifindex).name;
    std::vector<std::string> keys;
    for (const auto& [key, value] : wanted.values) keys.push_back(key);
    std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return rank(a) < rank(b); });

    return ns.run([&] {
        std::vector<std::string> problems;
        std::set<std::string> missing_trees;
        for (const auto& key : keys) {
            const std::string& value = wanted.values.at(key);
            const std::string path = path_of(key, ifname);
            // Read again just before writing: an earlier write may have changed it (stable_secret
            // sets addr_gen_mode, a link MTU sets ipv6 mtu).
            std::string now;
            if (read_value(path, now) && now == value) continue;
            struct stat st {};
            if (::stat(path.c_str(), &st) != 0) {
                if (errno == ENOENT && !std::filesystem::exists("/proc/sys/net/" + tree_of(key) + "/" + ifname)) {
                    missing_trees.insert(tree_of(key));
                } else {
                    problems.push_back(sysctl_name(key, ifname) + ": cannot restore " + value + ": " + errno_name(errno));
                }
                continue;
            }
            if (!(st.st_mode & S_IWUSR)) {
                problems.push_back(sysctl_name(key, ifname) + " is " + now + ", was " + value + ", and it is read-only");
                continue;
            }
            try {
                if (key == "ipv6/conf/addr_gen_mode") {
                    rtnl.set_addr_gen_mode(ifindex, static_cast<uint8_t>(std::stoul(value)));
                    continue;
                }
                UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
                if (!fd) throw_errno("open");
                if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) throw_errno("write");
            } catch (const SystemError& e) {
                problems.push_back(sysctl_name(key, ifname) + ": cannot write " + value + ": " + errno_name(e.error()));
            } catch (const std::exception& e) {
                problems.push_back(sysctl_name(key, ifname) + ": cannot write " + value + ": " + e.what());
            }
        }
        for (const auto& tree : missing_trees)
            problems.push_back(ifname + " has no /proc/sys/net/" + tree + "/" + ifname + " any more, so none of its values could be restored");
        return problems;
    });
}

std::vector<std::string> device_settings_differences(const std::string& ifname, const DeviceSettings& now,
                                                     const DeviceSettings& original) {
    std::vector<std::string> d;
    for (const auto& [key, then] : original.values) {
        const auto it = now.values.find(key);
        if (it == now.values.end())
            d.push_back(sysctl_name(key, ifname) + " is absent, was " + then);
        else if (it->second != then)
            d.push_back(sysctl_name(key, ifname) + " is " + it->second + ", was " + then);
    }
    for (const auto& [key, value] : now.values)
        if (!original.values.count(key)) d.push_back(sysctl_name(key, ifname) + " is " + value + ", was unset");
    return d;
}

}  // namespace mvc
