// SPDX-License-Identifier: MIT
#include "json_fields.hpp"

#include <fstream>

namespace mvc {

namespace {

// Built with append: GCC 12 at -O3 reports a false -Wrestrict inside libstdc++ for
// "literal" + std::string + ... (GCC bug 105329); the messages are the same either way.
std::string quoted(std::string_view key) { return std::string("'").append(key).append("'"); }
std::string about(std::string_view key, std::string_view what) { return quoted(key).append(" ").append(what); }

}  // namespace

JsonFields::JsonFields(const std::filesystem::path& file, std::string entry, const nlohmann::json& object)
    : file_(file), entry_(std::move(entry)), object_(object) {
    if (!object_.is_object()) fail("must be a JSON object, got " + std::string(object_.type_name()));
}

void JsonFields::fail(const std::string& problem) const { throw FixtureError(file_, entry_, problem); }

void JsonFields::allow_only(std::initializer_list<std::string_view> keys) const {
    for (const auto& [key, value] : object_.items()) {
        bool known = false;
        for (auto k : keys) known = known || k == key;
        if (!known) {
            std::string valid;
            for (auto k : keys) valid += (valid.empty() ? "" : ", ") + std::string(k);
            fail("unknown key '" + key + "' (valid keys: " + valid + ")");
        }
    }
}

std::string JsonFields::string(std::string_view key) const {
    auto it = object_.find(std::string(key));
    if (it == object_.end()) fail(std::string("missing key ").append(quoted(key)));
    if (!it->is_string()) fail(about(key, "must be a string, got ").append(it->type_name()));
    return it->get<std::string>();
}

std::string JsonFields::string_or(std::string_view key, std::string fallback) const {
    if (!object_.contains(std::string(key))) return fallback;
    return string(key);
}

bool JsonFields::boolean_or(std::string_view key, bool fallback) const {
    auto it = object_.find(std::string(key));
    if (it == object_.end()) return fallback;
    if (!it->is_boolean()) fail(about(key, "must be true or false, got ").append(it->dump()));
    return it->get<bool>();
}

const nlohmann::json& JsonFields::array(std::string_view key) const {
    auto it = object_.find(std::string(key));
    if (it == object_.end()) fail(std::string("missing key ").append(quoted(key)));
    if (!it->is_array()) fail(about(key, "must be an array, got ").append(it->type_name()));
    return *it;
}

const nlohmann::json* JsonFields::optional_array(std::string_view key) const {
    if (!object_.contains(std::string(key))) return nullptr;
    return &array(key);
}

nlohmann::json read_json_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw FixtureError(file, "", "cannot open the file (does it exist and is it readable?)");
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for a number too large for a double
        throw FixtureError(file, "", std::string("not valid JSON: ") + e.what());
    }
}

}  // namespace mvc
