// SPDX-License-Identifier: MIT
#include "endpoint_node.hpp"

#include <linux/ip.h>
#include <linux/rtnetlink.h>

#include <algorithm>

#include "guest_relay.hpp"
#include "machine_routes.hpp"


namespace mvc {

MacAddress planned_mac(unsigned station, uint8_t interface_index) {
    return MacAddress({0x02, 0x6d, 0x76, static_cast<uint8_t>(station >> 8), static_cast<uint8_t>(station & 0xff), interface_index});
}

EndpointNode::EndpointNode(Endpoint e, NetNamespace n) : endpoint(e), ns(std::move(n)), rtnl(std::make_unique<Rtnl>(ns)) {}

EndpointNode::~EndpointNode() {
    for (const auto& [a, prefix] : added_) {
        try {
            rtnl->delete_address(ifindex, a, prefix);
        } catch (const std::exception&) {
            // The journal's restore removes whatever of the run's ranges could not be removed here.
        }
    }
}

void EndpointNode::use_interface(int link_ifindex) {
    const LinkInfo info = rtnl->link(link_ifindex);
    ifindex = info.ifindex;
    ifname = info.name;
    mac = info.mac;
}

void EndpointNode::configure(const std::vector<AddressWithPrefix>& addresses, const EndpointTuning& tuning) {
    const bool ipv6 = std::find(tuning.families.begin(), tuning.families.end(), Family::ipv6) != tuning.families.end();
    if (ipv6 && !borrowed)
        for (int l : links) rtnl->disable_ipv6_link_local(l);
    if (tuning.break_arp) rtnl->set_ipv4_conf(ifindex, IPV4_DEVCONF_ARP_IGNORE, 8);
    if (!borrowed)
        for (auto family : tuning.families) rtnl->set_neighbour_retransmit(ifindex, family, tuning.neighbour_retransmit_ms);
    for (const auto& [a, prefix] : addresses) {
        if (borrowed) added_.emplace_back(a, prefix);  // before adding: a failure half-way still gets cleaned up
        rtnl->add_address(ifindex, a, prefix);
        if (a.family() == Family::ipv6) ipv6_added_.push_back(a);
    }
    for (int l : links) rtnl->set_up(l);
}

std::vector<IpAddress> EndpointNode::ipv6_not_yet_local() {
    if (ipv6_added_.empty()) return {};
    std::vector<IpAddress> missing = ipv6_added_;
    for (const auto& r : dump_routes(*rtnl))
        // In table local, or in a VRF's table when the interface is enslaved to one (a lent parent).
        if (r.type == RTN_LOCAL && r.destination.family() == Family::ipv6 && r.destination.length == 128)
            std::erase(missing, r.destination.network);
    return missing;
}

std::vector<IpAddress> EndpointNode::ipv6_removed() {
    std::vector<IpAddress> removed = ipv6_added_;
    for (const auto& a : rtnl->addresses()) {
        if (a.ifindex != ifindex) continue;
        try {
            std::erase(removed, IpAddress::parse(a.address.substr(0, a.address.find('/'))));
        } catch (const std::invalid_argument&) {
        }
    }
    return removed;
}

}  // namespace mvc
