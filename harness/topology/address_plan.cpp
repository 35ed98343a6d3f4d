// SPDX-License-Identifier: MIT
#include "address_plan.hpp"

#include <stdexcept>

namespace mvc {

namespace {
constexpr size_t kFirstHost = 10;  // .1 to .9 left free, for a reader's own experiments
constexpr unsigned kUnownedLow24 = 0xfffffe;
int fi(Family f) { return f == Family::ipv4 ? 0 : 1; }
}  // namespace

AddressPlan::Ranges AddressPlan::default_ranges() {
    return {IpPrefix::parse("192.0.2.0/24"), IpPrefix::parse("2001:db8:2::/64")};
}

AddressPlan::Ranges AddressPlan::large_ranges() {
    return {IpPrefix::parse("198.18.0.0/15"), IpPrefix::parse("2001:db8:2::/64")};
}

size_t AddressPlan::ipv4_needed(const TopologySpec& t) {
    // A control and a pacer per endpoint, two per cell, and the unowned one.
    return 2 * t.endpoints().size() + 2 * t.cell_pairs().size() + 1;
}

bool AddressPlan::fits(const IpPrefix& range, size_t needed) {
    const int host_bits = 32 - range.length;
    const size_t usable = host_bits >= 32 ? SIZE_MAX : (size_t{1} << host_bits) - 1 - kFirstHost;  // no broadcast
    return needed <= usable;
}

IpAddress AddressPlan::v4(size_t n) const { return ranges_.v4.at(kFirstHost + n); }

IpAddress AddressPlan::v6(size_t endpoint, size_t serial) const {
    return ranges_.v6.at((static_cast<unsigned long long>(serial) << 24) | (endpoint + 1));
}

AddressPlan::AddressPlan(const TopologySpec& t, const Ranges& ranges) : ranges_(ranges) {
    const auto endpoints = t.endpoints();
    const size_t needed = ipv4_needed(t);
    if (!fits(ranges.v4, needed))
        throw std::length_error("topology " + t.id() + " needs " + std::to_string(needed) + " IPv4 addresses (two per cell), more than " +
                                ranges.v4.str() + " holds");
    endpoints_.resize(endpoints.size());
    std::vector<size_t> v6_serial(endpoints.size(), 0);
    for (size_t i = 0; i < endpoints.size(); ++i) index_[endpoints[i]] = i;
    auto give = [&](size_t e, int family) {
        IpAddress a = family == 0 ? v4(v4_count_++) : v6(e, v6_serial[e]++);
        endpoints_[e].all[family].push_back(a);
        return a;
    };
    for (int family : {0, 1})
        for (size_t e = 0; e < endpoints.size(); ++e) {
            endpoints_[e].control[family] = give(e, family);
            endpoints_[e].pacer[family] = give(e, family);
        }
    for (int family : {0, 1})
        for (const auto& [from, to] : t.cell_pairs()) {
            const size_t a = index_.at(from), b = index_.at(to);
            cells_[{a, b, family}] = {give(a, family), give(b, family)};
        }
}

AddressPlan::Pair AddressPlan::cell(const Endpoint& from, const Endpoint& to, Family family) const {
    auto it = cells_.find({index_.at(from), index_.at(to), fi(family)});
    if (it == cells_.end()) throw std::out_of_range("no cell " + from + "->" + to + " in this address plan");
    return it->second;
}

IpAddress AddressPlan::control(const Endpoint& e, Family family) const { return endpoints_.at(index_.at(e)).control[fi(family)]; }

IpAddress AddressPlan::pacer(const Endpoint& e, Family family) const { return endpoints_.at(index_.at(e)).pacer[fi(family)]; }

IpAddress AddressPlan::unowned(Family family) const {
    if (family == Family::ipv4) return v4(v4_count_);
    return ranges_.v6.at(kUnownedLow24);
}

const std::vector<IpAddress>& AddressPlan::addresses_of(const Endpoint& e, Family family) const {
    return endpoints_.at(index_.at(e)).all[fi(family)];
}

bool AddressPlan::contains(const IpAddress& a) const { return ranges_.v4.contains(a) || ranges_.v6.contains(a); }

}  // namespace mvc
