// SPDX-License-Identifier: MIT
#include "owner_tag.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace mvc {

namespace {

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

}  // namespace

const std::string& owner_tag() {
    static const std::string tag = owner_tag_of(::getpid());
    return tag;
}

std::string owner_tag_of(pid_t pid) {
    const std::string started = start_time(std::to_string(pid));
    if (started.empty()) return "";
    return pid_namespace() + "-" + std::to_string(pid) + "-" + started;
}

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

}  // namespace mvc
