// SPDX-License-Identifier: MIT
#include "selection.hpp"

#include <fnmatch.h>

#include <algorithm>

namespace mvc {

bool Selection::allows(const std::vector<std::string>& list, std::string_view value) {
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

bool Selection::matches_filters(const std::string& name) const {
    bool any_positive = false, positive_match = false;
    for (const auto& glob : filters) {
        if (!glob.empty() && glob.front() == '-') {
            if (::fnmatch(glob.c_str() + 1, name.c_str(), 0) == 0) return false;  // an exclusion wins
        } else {
            any_positive = true;
            positive_match = positive_match || ::fnmatch(glob.c_str(), name.c_str(), 0) == 0;
        }
    }
    return !any_positive || positive_match;
}

bool Selection::selects(const TopologySpec& topology) const {
    const bool mode = modes.empty() || std::all_of(topology.slaves.begin(), topology.slaves.end(),
                                                  [&](const SlaveSpec& s) { return allows_mode(to_string(s.mode)); });
    return mode && allows_variant(topology.variant.name);
}

bool Selection::selects(const CellId& cell, const TopologySpec& topology) const {
    return selects(topology) && allows_family(to_string(cell.family)) && matches_filters(cell.name());
}

}  // namespace mvc
