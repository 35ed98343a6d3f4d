// SPDX-License-Identifier: MIT
#pragma once

#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mvc {

enum class Family { ipv4, ipv6 };

std::string_view to_string(Family family);
Family family_from_string(std::string_view text);  // throws std::invalid_argument
int address_family(Family family);                  // AF_INET / AF_INET6

// An IPv4 or IPv6 host address.
class IpAddress {
public:
    static IpAddress parse(std::string_view text);  // throws std::invalid_argument
    static IpAddress v4(uint32_t host_order);
    static IpAddress v6(const in6_addr& address);

    Family family() const { return family_; }
    const in_addr& v4() const { return v4_; }
    const in6_addr& v6() const { return v6_; }
    const void* bytes() const;
    size_t size() const;
    std::string str() const;

    bool operator==(const IpAddress& other) const;

private:
    Family family_ = Family::ipv4;
    in_addr v4_{};
    in6_addr v6_{};
};

class MacAddress {
public:
    MacAddress() = default;
    explicit MacAddress(const std::array<uint8_t, 6>& bytes) : bytes_(bytes) {}
    static MacAddress parse(std::string_view text);  // throws std::invalid_argument
    // A locally administered unicast address built from two small numbers, so every MAC the
    // harness assigns is recognisable in a capture and never collides with a vendor's.
    static MacAddress local(uint8_t group, uint8_t index);

    const std::array<uint8_t, 6>& bytes() const { return bytes_; }
    std::string str() const;
    bool operator==(const MacAddress&) const = default;
    auto operator<=>(const MacAddress&) const = default;

private:
    std::array<uint8_t, 6> bytes_{};
};

}  // namespace mvc
