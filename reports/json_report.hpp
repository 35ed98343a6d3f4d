// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "run_report.hpp"

namespace mvc {

// {"format", "properties", "summary", "cells": [reachability cells], "tests": [every test]}
nlohmann::json json_report(const RunReport& report);
void write_json_report(const RunReport& report, const std::filesystem::path& file);

}  // namespace mvc
