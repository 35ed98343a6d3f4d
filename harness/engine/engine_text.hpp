// SPDX-License-Identifier: MIT
#pragma once

#include <sstream>
#include <string>
#include <vector>

// Reading what the docker client prints: its listings are one name per line, and its messages end
// in newlines and carry warnings and hints around the line that matters.
namespace mvc::engine_text {

inline std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
    size_t start = 0;
    while (start < s.size() && (s[start] == ' ' || s[start] == '\t' || s[start] == '\n')) ++start;
    return s.substr(start);
}

// The non-empty lines, trimmed.
inline std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!trim(line).empty()) out.push_back(trim(line));
    return out;
}

// Lines every client prints around its real message: warnings before it ("IPv4 forwarding is
// disabled"), hints after it ("Run 'docker run --help'", "exit status 1").
inline bool is_noise(const std::string& line) {
    return line.rfind("Run '", 0) == 0 || line.rfind("See '", 0) == 0 || line.rfind("exit status ", 0) == 0 ||
           line.rfind("WARNING", 0) == 0;
}

// The client's own explanation of a failure: the daemon's error or the client's.
inline std::string last_line(const std::string& text) {
    const auto all = lines(text);
    for (auto it = all.rbegin(); it != all.rend(); ++it)
        if (!is_noise(*it)) return *it;
    return all.empty() ? std::string() : all.back();
}

inline std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
    return out;
}

}  // namespace mvc::engine_text
