// SPDX-License-Identifier: MIT
#include "test_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace mvc {

std::vector<CellId> selected_cells(const TopologyCatalog& catalog, const CliOptions& options) {
    const bool lending = !options.parent.empty();
    auto lent_variant = [&](const TopologySpec& t) {
        if (t.variant.parent != ParentKind::veth) return false;
        return options.peer_hairpin ? t.variant.external == ExternalKind::hairpin_bridge
                                    : t.variant.external == ExternalKind::plain;
    };
    std::vector<CellId> cells;
    for (const auto& t : catalog.topologies()) {
        if (lending && !lent_variant(t)) continue;
        if (!options.selection.selects(t)) continue;
        for (auto family : {Family::ipv4, Family::ipv6})
            for (const auto& [from, to] : t.cell_pairs()) {
                const CellId cell{t.name, t.variant.name, family, from, to};
                if (options.selection.selects(cell, t)) cells.push_back(cell);
            }
    }
    return cells;
}

std::vector<std::string> selected_test_names(const SuiteContext& context, const CliOptions& options) {
    // A user's topology is all the run measures.
    const bool narrowed = options.selection.narrowed() || !options.topologies.empty();
    std::vector<std::string> names;
    for_each_registered_test([&](const std::string& name, const ::testing::TestInfo&) {
        if (context.data_driven_tests.count(name) || (!narrowed && options.selection.matches_filters(name)))
            names.push_back(name);
    });
    return names;
}

void init_googletest(char* program, const CliOptions& options) {
    std::vector<std::string> args{program};
    args.insert(args.end(), options.gtest_arguments.begin(), options.gtest_arguments.end());
    if (options.repeat > 1) args.push_back("--gtest_repeat=" + std::to_string(options.repeat));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    int argc = static_cast<int>(argv.size());
    ::testing::InitGoogleTest(&argc, argv.data());
}

void restrict_googletest_to(const std::vector<std::string>& names, const CliOptions& options) {
    const bool user_filter = std::any_of(options.gtest_arguments.begin(), options.gtest_arguments.end(),
                                         [](const std::string& a) { return a.rfind("--gtest_filter", 0) == 0; });
    if (user_filter) return;
    std::string filter;
    for (const auto& n : names) filter += (filter.empty() ? "" : ":") + n;
    GTEST_FLAG_SET(filter, filter);
}

}  // namespace mvc
