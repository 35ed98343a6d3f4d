// SPDX-License-Identifier: MIT
#include "machine_routes.hpp"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "error.hpp"
#include "rtnl.hpp"

namespace mvc {

namespace {

struct CachePut {
    void operator()(nl_cache* c) const { nl_cache_free(c); }
};
struct RoutePut {
    void operator()(rtnl_route* r) const { rtnl_route_put(r); }
};
struct AddrPut {
    void operator()(nl_addr* a) const { nl_addr_put(a); }
};

const uint8_t* raw(const IpAddress& a) { return static_cast<const uint8_t*>(a.bytes()); }
int bits(Family f) { return f == Family::ipv4 ? 32 : 128; }

bool prefix_matches(const IpAddress& a, const IpAddress& b, int length) {
    const uint8_t* x = raw(a);
    const uint8_t* y = raw(b);
    const int whole = length / 8;
    if (std::memcmp(x, y, whole) != 0) return false;
    if (length % 8 == 0) return true;
    const uint8_t mask = static_cast<uint8_t>(0xff << (8 - length % 8));
    return (x[whole] & mask) == (y[whole] & mask);
}

IpAddress from_bytes(Family family, const uint8_t* bytes) {
    if (family == Family::ipv4) {
        uint32_t n = 0;
        std::memcpy(&n, bytes, 4);
        return IpAddress::v4(ntohl(n));
    }
    in6_addr a{};
    std::memcpy(&a, bytes, 16);
    return IpAddress::v6(a);
}

std::unique_ptr<rtnl_route, RoutePut> device_route(const IpPrefix& destination, int ifindex) {
    std::unique_ptr<rtnl_route, RoutePut> r(rtnl_route_alloc());
    if (!r) throw std::bad_alloc();
    const int af = address_family(destination.family());
    rtnl_route_set_family(r.get(), static_cast<uint8_t>(af));
    rtnl_route_set_table(r.get(), RT_TABLE_MAIN);
    rtnl_route_set_scope(r.get(), RT_SCOPE_LINK);
    rtnl_route_set_protocol(r.get(), RTPROT_STATIC);
    rtnl_route_set_type(r.get(), RTN_UNICAST);
    std::unique_ptr<nl_addr, AddrPut> dst(nl_addr_build(af, destination.network.bytes(), destination.network.size()));
    if (!dst) throw std::bad_alloc();
    nl_addr_set_prefixlen(dst.get(), destination.length);
    if (int err = rtnl_route_set_dst(r.get(), dst.get()); err < 0)
        throw std::runtime_error("route " + destination.str() + ": " + nl_geterror(err));
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    if (!nh) throw std::bad_alloc();
    rtnl_route_nh_set_ifindex(nh, ifindex);
    rtnl_route_add_nexthop(r.get(), nh);  // the route owns it from here
    return r;
}

}  // namespace

IpPrefix IpPrefix::parse(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos)
        throw std::invalid_argument("not a prefix (no '/'): '" + std::string(text) + "'");
    IpPrefix p;
    p.network = IpAddress::parse(text.substr(0, slash));
    const std::string len(text.substr(slash + 1));
    size_t used = 0;
    try {
        p.length = std::stoi(len, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != len.size() || p.length < 0 || p.length > bits(p.family()))
        throw std::invalid_argument("bad prefix length in '" + std::string(text) + "'");
    if (!(p.at(0) == p.network))
        throw std::invalid_argument("host bits set in '" + std::string(text) + "'");
    return p;
}

bool IpPrefix::contains(const IpAddress& address) const {
    return address.family() == family() && prefix_matches(network, address, length);
}

bool IpPrefix::overlaps(const IpPrefix& other) const {
    if (other.family() != family()) return false;
    return prefix_matches(network, other.network, std::min(length, other.length));
}

IpAddress IpPrefix::at(unsigned long long offset) const {
    const int total = bits(family());
    uint8_t out[16] = {};
    std::memcpy(out, raw(network), network.size());
    // Clear the host bits, then add the offset into them from the last byte up.
    for (int bit = length; bit < total; ++bit) out[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
    const int host_bits = total - length;
    if (host_bits < 64 && offset >= (1ULL << host_bits))
        throw std::out_of_range("offset " + std::to_string(offset) + " does not fit in " + str());
    for (int i = static_cast<int>(network.size()) - 1; i >= 0 && offset; --i, offset >>= 8)
        out[i] = static_cast<uint8_t>(out[i] | (offset & 0xff));
    return from_bytes(family(), out);
}

std::string IpPrefix::str() const { return network.str() + "/" + std::to_string(length); }

std::vector<RouteEntry> dump_routes(Rtnl& rtnl) {
    nl_cache* raw_cache = nullptr;
    if (int err = rtnl_route_alloc_cache(rtnl.socket(), AF_UNSPEC, 0, &raw_cache); err < 0)
        throw std::runtime_error(std::string("dump routes: ") + nl_geterror(err));
    std::unique_ptr<nl_cache, CachePut> cache(raw_cache);
    std::vector<RouteEntry> out;
    for (nl_object* o = nl_cache_get_first(raw_cache); o; o = nl_cache_get_next(o)) {
        auto* r = reinterpret_cast<rtnl_route*>(o);
        const int af = rtnl_route_get_family(r);
        if (af != AF_INET && af != AF_INET6) continue;
        const Family family = af == AF_INET ? Family::ipv4 : Family::ipv6;
        RouteEntry e;
        e.destination.network = family == Family::ipv4 ? IpAddress::v4(0) : IpAddress::v6(in6_addr{});
        if (nl_addr* dst = rtnl_route_get_dst(r)) {
            e.destination.length = static_cast<int>(nl_addr_get_prefixlen(dst));
            if (nl_addr_get_len(dst) == e.destination.network.size())
                e.destination.network = from_bytes(family, static_cast<const uint8_t*>(nl_addr_get_binary_addr(dst)));
        }
        e.table = rtnl_route_get_table(r);
        e.type = rtnl_route_get_type(r);
        if (rtnl_route_get_nnexthops(r) > 0) {
            rtnl_nexthop* nh = rtnl_route_nexthop_n(r, 0);
            e.ifindex = rtnl_route_nh_get_ifindex(nh);
            if (nl_addr* gw = rtnl_route_nh_get_gateway(nh); gw && nl_addr_get_len(gw) == e.destination.network.size())
                e.gateway = from_bytes(family, static_cast<const uint8_t*>(nl_addr_get_binary_addr(gw)));
        }
        out.push_back(e);
    }
    return out;
}

std::optional<IpPrefix> first_free(const std::vector<IpPrefix>& candidates, const std::vector<IpPrefix>& taken) {
    for (const auto& c : candidates) {
        bool free = true;
        for (const auto& t : taken)
            if (t.length > 0 && c.overlaps(t)) free = false;
        if (free) return c;
    }
    return std::nullopt;
}

DeviceRoute::DeviceRoute(Rtnl& rtnl, const IpPrefix& destination, int ifindex)
    : rtnl_(rtnl), destination_(destination), ifindex_(ifindex) {
    auto r = device_route(destination, ifindex);
    nl_msg* msg = nullptr;
    if (int err = rtnl_route_build_add_request(r.get(), NLM_F_CREATE | NLM_F_EXCL, &msg); err < 0)
        throw std::runtime_error("route " + destination.str() + ": " + nl_geterror(err));
    rtnl.request(msg, "add route " + destination.str() + " dev " + std::to_string(ifindex));
}

DeviceRoute::~DeviceRoute() {
    const std::string problem = remove();
    if (!problem.empty()) std::cerr << "macvlan-conformance: " << problem << "\n";
}

std::string DeviceRoute::remove() {
    if (!present_) return "";
    present_ = false;
    try {
        auto r = device_route(destination_, ifindex_);
        nl_msg* msg = nullptr;
        if (int err = rtnl_route_build_del_request(r.get(), 0, &msg); err < 0)
            return "cannot build the request deleting route " + destination_.str() + ": " + nl_geterror(err);
        std::string extack;
        const int error = rtnl_.transact(msg, &extack);
        // ESRCH (IPv4) / ENOENT (IPv6): deleted with its device already. ENODEV: the device is gone.
        if (error == 0 || error == ESRCH || error == ENOENT || error == ENODEV) return "";
        return "delete route " + destination_.str() + ": " + errno_name(error) +
               (extack.empty() ? "" : " (" + extack + ")");
    } catch (const std::exception& e) {
        return "delete route " + destination_.str() + ": " + e.what();
    }
}

}  // namespace mvc
