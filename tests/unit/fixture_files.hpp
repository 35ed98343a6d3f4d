// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace mvc::testing_support {

inline std::filesystem::path shipped_fixtures() { return MVC_SOURCE_FIXTURES; }

inline nlohmann::json read(const std::filesystem::path& p) {
    std::ifstream in(p);
    return nlohmann::json::parse(in);
}

// A file in a fresh temporary directory, removed with the object.
class TempFile {
public:
    explicit TempFile(const std::string& name) {
        char dir[] = "/tmp/mvc-test-XXXXXX";
        dir_ = ::mkdtemp(dir);
        path_ = dir_ / name;
    }
    ~TempFile() { std::filesystem::remove_all(dir_); }
    const std::filesystem::path& path() const { return path_; }
    void write(const std::string& text) const { std::ofstream(path_) << text; }
    void write(const nlohmann::json& j) const { write(j.dump(1)); }

private:
    std::filesystem::path dir_, path_;
};

}  // namespace mvc::testing_support
