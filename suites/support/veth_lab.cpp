// SPDX-License-Identifier: MIT
#include "veth_lab.hpp"

#include <iostream>

#include "kept_namespaces.hpp"
#include "link_events.hpp"
#include "suite_context.hpp"
#include "topology.hpp"

namespace mvc {

namespace {
// The labs alive in the running test, for --keep-on-failure. Tests run one at a time.
std::vector<std::pair<std::string, const NetNamespace*>> live_lab_namespaces;
}  // namespace

std::string missing_features(const FeatureList& features) {
    const auto& caps = suite_context().capabilities;
    for (auto f : features)
        if (!(caps.*f).present) return Capabilities::missing(caps.*f);
    return "";
}

void KernelTest::SetUp() {
    FeatureList all{&Capabilities::privileges, &Capabilities::veth, &Capabilities::macvlan};
    for (auto f : needs()) all.push_back(f);
    if (const auto why = missing_features(all); !why.empty()) GTEST_SKIP() << why;
    set_up();
}

void LabTest::set_up() {
    lab = std::make_unique<VethLab>();
    prepare();
}

void KernelTest::TearDown() {
    auto& context = suite_context();
    if (!HasFailure() || !context.keep_on_failure) return;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    keep_namespaces(std::string(info->test_suite_name()) + "." + info->name(), live_lab_namespaces,
                    context.console ? *context.console : std::cout);
}

VethLab::VethLab()
    : host(NetNamespace::create()),
      ext(NetNamespace::create()),
      host_nl(std::make_unique<Rtnl>(host)),
      ext_nl(std::make_unique<Rtnl>(ext)),
      parent_mac(MacAddress::local(0x01, 0)),
      peer_mac(MacAddress::local(0x02, 0)) {
    live_lab_namespaces.push_back({"host", &host});
    live_lab_namespaces.push_back({"ext", &ext});
    parent = host_nl->create_veth("parent", parent_mac, "peer", peer_mac, ext);
    peer = ext_nl->link("peer").ifindex;
    ext_nl->set_up(peer);
    host_nl->set_up(parent);
}

VethLab::~VethLab() {
    std::erase_if(live_lab_namespaces, [this](const auto& entry) { return entry.second == &host || entry.second == &ext; });
}

void VethLab::wait_until_wire_is_up(std::chrono::milliseconds timeout) {
    LinkEvents events({&host, &ext});
    auto up = [](const LinkInfo& l) { return l.up() && l.carrier && l.oper_up(); };
    if (!events.wait_until([&] { return up(host_nl->link(parent)) && up(ext_nl->link(peer)); }, timeout))
        throw NotReady("the lab's veth pair never came up");
}

int VethLab::add_slave(const std::string& name, MacvlanMode mode, std::optional<MacAddress> mac, uint16_t flags) {
    MacvlanSpec spec;
    spec.name = name;
    spec.lower_ifindex = parent;
    spec.mode = mode;
    spec.mac = mac;
    spec.flags = flags;
    create_macvlan(*host_nl, spec);
    return host_nl->link(name).ifindex;
}

}  // namespace mvc
