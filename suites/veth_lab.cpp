#include "veth_lab.hpp"

#include "suite_context.hpp"

namespace mvc {

void KernelTest::SetUp() { require({&Capabilities::privileges, &Capabilities::veth, &Capabilities::macvlan}); }

void KernelTest::require(std::initializer_list<const Feature Capabilities::*> features) {
    const auto& caps = suite_context().capabilities;
    for (auto f : features)
        if (!(caps.*f).present) GTEST_SKIP() << Capabilities::missing(caps.*f);
}

VethLab::VethLab()
    : host(NetNamespace::create()),
      ext(NetNamespace::create()),
      host_nl(std::make_unique<Rtnl>(host)),
      ext_nl(std::make_unique<Rtnl>(ext)),
      parent_mac(MacAddress::local(0x01, 0)),
      peer_mac(MacAddress::local(0x02, 0)) {
    parent = host_nl->create_veth("parent", parent_mac, "peer", peer_mac, ext);
    peer = ext_nl->link("peer").ifindex;
    ext_nl->set_up(peer);
    host_nl->set_up(parent);
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
