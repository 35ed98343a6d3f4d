// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

#include "fixture_error.hpp"

namespace mvc {

// Strict reading of one JSON object from a fixture file: unknown keys, missing keys and wrong
// types are errors that name the file and the entry, so a typo never silently changes a spec.
class JsonFields {
public:
    JsonFields(const std::filesystem::path& file, std::string entry, const nlohmann::json& object);

    void allow_only(std::initializer_list<std::string_view> keys) const;
    std::string string(std::string_view key) const;
    std::string string_or(std::string_view key, std::string fallback) const;
    bool boolean_or(std::string_view key, bool fallback) const;
    bool has(std::string_view key) const { return object_.is_object() && object_.contains(key); }
    const nlohmann::json& array(std::string_view key) const;           // required
    const nlohmann::json* optional_array(std::string_view key) const;  // absent -> nullptr
    [[noreturn]] void fail(const std::string& problem) const;
    const std::string& entry() const { return entry_; }

private:
    const std::filesystem::path& file_;
    std::string entry_;
    const nlohmann::json& object_;
};

nlohmann::json read_json_file(const std::filesystem::path& file);  // throws FixtureError

}  // namespace mvc
