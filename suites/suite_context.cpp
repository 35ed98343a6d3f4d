#include "suite_context.hpp"

#include <gtest/gtest.h>

namespace mvc {

namespace {
SuiteContext* current = nullptr;
}

SuiteContext& suite_context() {
    if (!current) throw std::logic_error("no suite context: tests run only inside macvlan-conformance");
    return *current;
}

void set_suite_context(SuiteContext* context) { current = context; }

std::string SuiteContext::skip_reason(const CellId& cell) const {
    const auto& caps = capabilities;
    const TopologySpec* spec = catalog.find(cell.mode, cell.variant);
    for (const Feature* needed : {&caps.privileges, &caps.macvlan}) {
        if (!needed->present) return Capabilities::missing(*needed);
    }
    if (spec->variant.parent == ParentKind::veth && !caps.veth.present) return Capabilities::missing(caps.veth);
    if (spec->variant.parent == ParentKind::dummy && !caps.dummy.present) return Capabilities::missing(caps.dummy);
    if (spec->variant.parent == ParentKind::vlan) {
        if (!caps.veth.present) return Capabilities::missing(caps.veth);
        if (!caps.vlan_8021q.present) return Capabilities::missing(caps.vlan_8021q);
    }
    if (spec->variant.external == ExternalKind::hairpin_bridge && !caps.bridge.present)
        return Capabilities::missing(caps.bridge);
    if (cell.family == Family::ipv6 && !caps.ipv6.present) return Capabilities::missing(caps.ipv6);
    return "";
}

std::vector<std::string> names_of_tests_to_run() {
    std::vector<std::string> out;
    const auto* unit = ::testing::UnitTest::GetInstance();
    for (int i = 0; i < unit->total_test_suite_count(); ++i) {
        const auto* suite = unit->GetTestSuite(i);
        for (int j = 0; j < suite->total_test_count(); ++j) {
            const auto* info = suite->GetTestInfo(j);
            if (info->should_run()) out.push_back(std::string(info->test_suite_name()) + "." + info->name());
        }
    }
    return out;
}

std::vector<CellId> SuiteContext::cells_to_run() const {
    std::vector<CellId> out;
    for (const auto& name : names_of_tests_to_run()) {
        auto it = cells_by_name.find(name);
        if (it != cells_by_name.end() && skip_reason(it->second).empty()) out.push_back(it->second);
    }
    return out;
}

}  // namespace mvc
