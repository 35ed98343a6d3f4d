// SPDX-License-Identifier: MIT
#include "engine_address_plan.hpp"

#include <cstdio>
#include <sstream>

namespace mvc {

IpPrefix prefix_of(const IpAddress& address, int length) {
    IpPrefix p{address, length};
    p.network = p.at(0);
    return p;
}

std::vector<IpPrefix> taken_prefixes(Rtnl& machine_nl, const ContainerEngine& engine) {
    std::vector<IpPrefix> taken;
    for (const auto& r : dump_routes(machine_nl)) taken.push_back(r.destination);
    const auto ids = engine.check({"network", "ls", "--quiet", "--no-trunc"});
    if (ids.empty()) return taken;
    std::vector<std::string> args{"network", "inspect", "--format", engine.dialect().subnets_format};
    std::istringstream in(ids);
    for (std::string id; in >> id;) args.push_back(id);
    std::istringstream subnets(engine.check(args));
    for (std::string s; subnets >> s;) {
        const auto slash = s.find('/');
        if (slash == std::string::npos) continue;
        try {
            taken.push_back(prefix_of(IpAddress::parse(s.substr(0, slash)), std::stoi(s.substr(slash + 1))));
        } catch (const std::exception&) {
            // Not an address this harness can read: it cannot overlap the candidates either way.
        }
    }
    return taken;
}

std::optional<EngineSubnets> choose_engine_subnets(const std::vector<IpPrefix>& taken, const std::string& ipv6_missing,
                                                   std::string* why_not) {
    std::vector<IpPrefix> v4_candidates, v6_candidates;
    for (const char* c : engine_plan::kIpv4Candidates) v4_candidates.push_back(IpPrefix::parse(c));
    for (unsigned n = 1; n <= engine_plan::kIpv6Candidates; ++n) {
        char c[64];
        std::snprintf(c, sizeof c, "2001:db8:6d76:%x::/64", n);
        v6_candidates.push_back(IpPrefix::parse(c));
    }
    const auto v4 = first_free(v4_candidates, taken);
    if (!v4) {
        if (why_not)
            *why_not = "every candidate IPv4 subnet (198.51.100.0/24, 203.0.113.0/24) overlaps a route of this machine or "
                       "a Docker network";
        return std::nullopt;
    }
    EngineSubnets chosen{*v4, std::nullopt, ""};
    if (!ipv6_missing.empty())
        chosen.v6_missing = ipv6_missing;
    else if (const auto v6 = first_free(v6_candidates, taken))
        chosen.v6 = *v6;
    else
        chosen.v6_missing = "every candidate IPv6 subnet (2001:db8:6d76:1..10::/64) overlaps a route or a Docker network";
    return chosen;
}

}  // namespace mvc
