// SPDX-License-Identifier: MIT
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "net_namespace.hpp"

namespace mvc {

// --keep-on-failure: namespaces pinned under /run/netns so that they outlive the process, with the
// commands to inspect and remove them.

// "mvc<pid>-<what>", with every character a namespace name cannot hold replaced by '-'.
std::string kept_namespace_prefix(const std::string& what);
void print_kept_namespace_commands(const std::vector<std::string>& names, std::ostream& out);

// Pins labelled namespaces of a failed test (e.g. a VethLab's) and prints how to reach them.
void keep_namespaces(const std::string& test_name, const std::vector<std::pair<std::string, const NetNamespace*>>& namespaces,
                     std::ostream& out);

}  // namespace mvc
