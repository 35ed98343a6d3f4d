// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <string>

namespace mvc {

std::string utc_timestamp(std::chrono::system_clock::time_point t);  // 2026-11-27T21:32:26Z

}  // namespace mvc
