// SPDX-License-Identifier: MIT
#include "engine_lab.hpp"

#include <cstdio>
#include <iostream>
#include <stdexcept>

#include "engine_reaper.hpp"

namespace mvc {

std::string machine_link_prefix(char role, pid_t pid) {
    char name[16];
    std::snprintf(name, sizeof name, "mv%c%xn", role, static_cast<unsigned>(pid) & 0xffffff);
    return name;
}

std::string machine_link_name(char role, pid_t pid, unsigned serial) {
    char suffix[4];
    std::snprintf(suffix, sizeof suffix, "%02x", serial & 0xff);
    return machine_link_prefix(role, pid) + suffix;
}

MachineLink::MachineLink(Rtnl& nl, EngineReaper& reaper, std::string name, const std::function<void()>& create)
    : nl_(nl), reaper_(reaper), name_(std::move(name)) {
    reaper_.will_create_link(name_);
    try {
        create();
        ifindex_ = nl_.link(name_).ifindex;
        reaper_.created_link(name_, ifindex_);
    } catch (...) {
        // No destructor runs for an object whose constructor threw: delete what exists by name.
        if (const auto made = nl_.find_link(name_)) {
            ifindex_ = made->ifindex;
            remove();
        }
        throw;
    }
}

MachineLink::~MachineLink() {
    const std::string problem = remove();
    if (!problem.empty()) std::cerr << "macvlan-conformance: cleanup: " << problem << "\n";
}

std::string MachineLink::remove() {
    if (!ifindex_) return "";
    const int ifindex = std::exchange(ifindex_, 0);
    try {
        const auto link = nl_.find_link(ifindex);
        if (link && link->name == name_) nl_.delete_link(ifindex);
        reaper_.removed_link(name_);
        return "";
    } catch (const std::exception& e) {
        return "delete " + name_ + ": " + e.what();
    }
}

void prepare_interface(Rtnl& nl, int ifindex, unsigned neighbour_retransmit_ms, bool link_local_too) {
    if (link_local_too) nl.disable_ipv6_link_local(ifindex);
    nl.set_neighbour_retransmit(ifindex, Family::ipv4, neighbour_retransmit_ms);
    nl.set_neighbour_retransmit(ifindex, Family::ipv6, neighbour_retransmit_ms);
    nl.set_up(ifindex);
}

EngineLab::EngineLab(const NetNamespace& machine, EngineReaper& reaper, unsigned serial,
                     unsigned neighbour_retransmit_ms)
    : machine(machine), machine_nl(std::make_unique<Rtnl>(machine)), ext(NetNamespace::create()),
      ext_nl(std::make_unique<Rtnl>(ext)), parent_name(machine_link_name(kParentRole, ::getpid(), serial)) {
    const auto index = static_cast<uint8_t>(serial);
    parent_link = std::make_unique<MachineLink>(*machine_nl, reaper, parent_name, [&] {
        machine_nl->create_veth(parent_name, MacAddress::local(0x40, index), "peer", MacAddress::local(0x41, index), ext);
    });
    parent = parent_link->ifindex();
    peer = ext_nl->link("peer").ifindex;
    prepare_interface(*machine_nl, parent, neighbour_retransmit_ms);
    prepare_interface(*ext_nl, peer, neighbour_retransmit_ms);
}

IpAddress AddressSource::take(Family family) {
    if (family == Family::ipv4) {
        if (next_v4_ > last_v4_) throw std::length_error("the test ran out of IPv4 addresses in " + v4_.str());
        const IpAddress a = v4_.at(next_v4_++);
        nl_.add_address(ifindex_, a, v4_.length);
        return a;
    }
    if (!v6_) throw std::logic_error("no IPv6 subnet");
    const IpAddress a = v6_->at(v6_base_ + next_v6_++);
    nl_.add_address(ifindex_, a, v6_->length);
    return a;
}

}  // namespace mvc
