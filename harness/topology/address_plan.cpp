#include "address_plan.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace mvc {

namespace {
unsigned index_of(Endpoint e) { return static_cast<unsigned>(e); }
constexpr unsigned kCellBase = 10;      // cell k uses .10+2k (source) and .11+2k (destination)
constexpr unsigned kControlBase = 100;  // control addresses .100 + endpoint index
constexpr unsigned kPacerBase = 110;    // pacer addresses .110 + endpoint index
constexpr unsigned kUnowned = 250;
}  // namespace

AddressPlan::AddressPlan() : AddressPlan(IpAddress::parse("192.0.2.0"), IpAddress::parse("2001:db8:2::")) {}

AddressPlan::AddressPlan(const IpAddress& ipv4_network, const IpAddress& ipv6_network)
    : v4_network_(ipv4_network), v6_network_(ipv6_network) {}

int AddressPlan::prefix_length(Family family) { return family == Family::ipv4 ? 24 : 64; }

IpAddress AddressPlan::host_number(Family family, unsigned n) const {
    if (family == Family::ipv4) return IpAddress::v4(ntohl(v4_network_.v4().s_addr) | n);
    in6_addr a = v6_network_.v6();
    a.s6_addr[14] = static_cast<uint8_t>(n >> 8);
    a.s6_addr[15] = static_cast<uint8_t>(n & 0xff);
    return IpAddress::v6(a);
}

AddressPlan::Pair AddressPlan::cell(Endpoint from, Endpoint to, Family family) const {
    const unsigned k = index_of(from) * 4 + index_of(to);
    return {host_number(family, kCellBase + 2 * k), host_number(family, kCellBase + 2 * k + 1)};
}

bool AddressPlan::contains(const IpAddress& a) const {
    if (a.family() == Family::ipv4) return (ntohl(a.v4().s_addr) & 0xffffff00u) == ntohl(v4_network_.v4().s_addr);
    return std::memcmp(a.v6().s6_addr, v6_network_.v6().s6_addr, 8) == 0;
}

IpAddress AddressPlan::control(Endpoint endpoint, Family family) const {
    return host_number(family, kControlBase + index_of(endpoint));
}

IpAddress AddressPlan::pacer(Endpoint endpoint, Family family) const {
    return host_number(family, kPacerBase + index_of(endpoint));
}

IpAddress AddressPlan::unowned(Family family) const { return host_number(family, kUnowned); }

std::vector<IpAddress> AddressPlan::addresses_of(Endpoint endpoint, const std::vector<Endpoint>& endpoints,
                                                 Family family) const {
    std::vector<IpAddress> out{control(endpoint, family), pacer(endpoint, family)};
    for (auto other : endpoints) {
        if (other == endpoint) continue;
        out.push_back(cell(endpoint, other, family).source);
        out.push_back(cell(other, endpoint, family).destination);
    }
    return out;
}

}  // namespace mvc
