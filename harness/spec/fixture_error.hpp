// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace mvc {

// A fixture file that cannot be used. The message names the file, the entry and the problem, so
// whoever edited it can fix it without reading the loader.
class FixtureError : public std::runtime_error {
public:
    FixtureError(const std::filesystem::path& file, const std::string& entry, const std::string& problem)
        : std::runtime_error(file.string() + (entry.empty() ? "" : ": " + entry) + ": " + problem) {}
};

}  // namespace mvc
