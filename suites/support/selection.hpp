// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "expectations.hpp"

namespace mvc {

// What the user selected with --mode, --variant, --family and --filter, as every matrix reads it.
struct Selection {
    std::vector<std::string> modes, variants, families, filters;

    // --mode, --variant or --family was given: only the matrices run, not the other suites.
    bool narrowed() const { return !modes.empty() || !variants.empty() || !families.empty(); }
    bool allows_mode(std::string_view mode) const { return allows(modes, mode); }
    bool allows_variant(std::string_view variant) const { return allows(variants, variant); }
    bool allows_family(std::string_view family) const { return allows(families, family); }
    // Any positive glob matches (or there is none), and no -GLOB does.
    bool matches_filters(const std::string& name) const;
    // A topology the --mode and --variant flags keep: --mode keeps a topology whose slaves all have given
    // modes (so naming two modes adds the layouts that mix them).
    bool selects(const TopologySpec& topology) const;
    // A reachability cell of that topology: every given flag must match.
    bool selects(const CellId& cell, const TopologySpec& topology) const;

private:
    static bool allows(const std::vector<std::string>& list, std::string_view value);
};

}  // namespace mvc
