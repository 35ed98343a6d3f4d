// SPDX-License-Identifier: MIT
#include "addresses.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace mvc {

std::string_view to_string(Family family) { return family == Family::ipv4 ? "ipv4" : "ipv6"; }

Family family_from_string(std::string_view text) {
    if (text == "ipv4") return Family::ipv4;
    if (text == "ipv6") return Family::ipv6;
    throw std::invalid_argument("unknown address family '" + std::string(text) + "' (valid: ipv4, ipv6)");
}

int address_family(Family family) { return family == Family::ipv4 ? AF_INET : AF_INET6; }

IpAddress IpAddress::parse(std::string_view text) {
    const std::string s(text);
    IpAddress a;
    // inet_pton stops at a NUL: "192.0.2.1\0junk" (a JSON string may hold one) is no address.
    if (s.find('\0') != std::string::npos) throw std::invalid_argument("not an IP address (a NUL inside)");
    if (::inet_pton(AF_INET, s.c_str(), &a.v4_) == 1) {
        a.family_ = Family::ipv4;
        return a;
    }
    if (::inet_pton(AF_INET6, s.c_str(), &a.v6_) == 1) {
        a.family_ = Family::ipv6;
        return a;
    }
    throw std::invalid_argument("not an IP address: '" + s + "'");
}

IpAddress IpAddress::v4(uint32_t host_order) {
    IpAddress a;
    a.family_ = Family::ipv4;
    a.v4_.s_addr = htonl(host_order);
    return a;
}

IpAddress IpAddress::v6(const in6_addr& address) {
    IpAddress a;
    a.family_ = Family::ipv6;
    a.v6_ = address;
    return a;
}

const void* IpAddress::bytes() const {
    return family_ == Family::ipv4 ? static_cast<const void*>(&v4_) : static_cast<const void*>(&v6_);
}

size_t IpAddress::size() const { return family_ == Family::ipv4 ? sizeof v4_ : sizeof v6_; }

std::string IpAddress::str() const {
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(address_family(family_), bytes(), buf, sizeof buf);
    return buf;
}

bool IpAddress::operator==(const IpAddress& other) const {
    return family_ == other.family_ && std::memcmp(bytes(), other.bytes(), size()) == 0;
}

MacAddress MacAddress::parse(std::string_view text) {
    std::array<unsigned, 6> v{};
    const std::string s(text);
    if (s.find('\0') != std::string::npos) throw std::invalid_argument("not a MAC address (a NUL inside)");
    char tail = 0;
    if (std::sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
        throw std::invalid_argument("not a MAC address: '" + s + "' (expected xx:xx:xx:xx:xx:xx)");
    std::array<uint8_t, 6> b{};
    for (size_t i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(v[i]);
    return MacAddress(b);
}

MacAddress MacAddress::local(uint8_t group, uint8_t index) {
    // 0x02: locally administered, unicast. "mv" in the next two bytes marks the harness.
    return MacAddress({0x02, 0x6d, 0x76, 0x00, group, index});
}

std::string MacAddress::str() const {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes_[0], bytes_[1], bytes_[2], bytes_[3],
                  bytes_[4], bytes_[5]);
    return buf;
}

}  // namespace mvc
