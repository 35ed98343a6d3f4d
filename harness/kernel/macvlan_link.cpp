// SPDX-License-Identifier: MIT
#include "macvlan_link.hpp"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <cstring>
#include <stdexcept>

#include "rtnl.hpp"

namespace mvc {

namespace {

// Not in Debian 12's kernel headers (6.1); the value is the kernel ABI since 6.4.
constexpr int kIflaMacvlanBcCutoff = IFLA_MACVLAN_BC_QUEUE_LEN_USED + 1;
constexpr int kIflaMacvlanMax = kIflaMacvlanBcCutoff;

nl_msg* new_link_message(int flags, int ifindex) {
    nl_msg* msg = nlmsg_alloc_simple(RTM_NEWLINK, flags);
    if (!msg) throw std::bad_alloc();
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    return msg;
}

void put_mac(nl_msg* msg, int type, const MacAddress& mac) { nla_put(msg, type, 6, mac.bytes().data()); }

void put_macvlan_data(nl_msg* msg, const std::string& kind, const std::optional<MacvlanMode>& mode, const std::optional<uint16_t>& flags,
                      const std::optional<MacaddrMode>& macaddr_mode, const std::vector<MacAddress>& macaddrs,
                      const std::optional<uint32_t>& bc_queue_len, const std::optional<int32_t>& bc_cutoff) {
    nlattr* info = nla_nest_start(msg, IFLA_LINKINFO);
    nla_put_string(msg, IFLA_INFO_KIND, kind.c_str());
    nlattr* data = nla_nest_start(msg, IFLA_INFO_DATA);
    if (mode) nla_put_u32(msg, IFLA_MACVLAN_MODE, static_cast<uint32_t>(*mode));
    if (flags) nla_put_u16(msg, IFLA_MACVLAN_FLAGS, *flags);
    if (macaddr_mode) {
        nla_put_u32(msg, IFLA_MACVLAN_MACADDR_MODE, static_cast<uint32_t>(*macaddr_mode));
        if (*macaddr_mode == MacaddrMode::set) {
            nlattr* list = nla_nest_start(msg, IFLA_MACVLAN_MACADDR_DATA);
            for (const auto& m : macaddrs) put_mac(msg, IFLA_MACVLAN_MACADDR, m);
            nla_nest_end(msg, list);
        } else if (!macaddrs.empty()) {
            put_mac(msg, IFLA_MACVLAN_MACADDR, macaddrs.front());
        }
    }
    if (bc_queue_len) nla_put_u32(msg, IFLA_MACVLAN_BC_QUEUE_LEN, *bc_queue_len);
    if (bc_cutoff) nla_put_s32(msg, kIflaMacvlanBcCutoff, *bc_cutoff);
    nla_nest_end(msg, data);
    nla_nest_end(msg, info);
}

MacAddress mac_of(const nlattr* a) {
    std::array<uint8_t, 6> b{};
    std::memcpy(b.data(), nla_data(a), 6);
    return MacAddress(b);
}

}  // namespace

std::string_view to_string(MacvlanMode mode) {
    switch (mode) {
        case MacvlanMode::private_: return "private";
        case MacvlanMode::vepa: return "vepa";
        case MacvlanMode::bridge: return "bridge";
        case MacvlanMode::passthru: return "passthru";
        case MacvlanMode::source: return "source";
    }
    return "unknown";
}

MacvlanMode macvlan_mode_from_string(std::string_view text) {
    for (auto m : {MacvlanMode::bridge, MacvlanMode::vepa, MacvlanMode::private_, MacvlanMode::passthru,
                   MacvlanMode::source})
        if (to_string(m) == text) return m;
    throw std::invalid_argument("unknown macvlan mode '" + std::string(text) +
                                "' (valid: bridge, vepa, private, passthru, source)");
}

void create_macvlan(Rtnl& rtnl, const MacvlanSpec& spec) {
    nl_msg* msg = new_link_message(NLM_F_CREATE | NLM_F_EXCL, 0);
    nla_put_string(msg, IFLA_IFNAME, spec.name.c_str());
    nla_put_u32(msg, IFLA_LINK, static_cast<uint32_t>(spec.lower_ifindex));
    if (spec.mac) put_mac(msg, IFLA_ADDRESS, *spec.mac);
    if (spec.mtu) nla_put_u32(msg, IFLA_MTU, *spec.mtu);
    if (spec.target) nla_put_u32(msg, IFLA_NET_NS_FD, static_cast<uint32_t>(spec.target->fd()));
    std::optional<MacaddrMode> macaddr_mode;
    if (!spec.source_macs.empty()) macaddr_mode = MacaddrMode::set;
    put_macvlan_data(msg, spec.kind, spec.mode, spec.flags ? std::optional<uint16_t>(spec.flags) : std::nullopt, macaddr_mode,
                     spec.source_macs, spec.bc_queue_len, spec.bc_cutoff);
    rtnl.request(msg, "create " + spec.kind + " " + spec.name + " mode " + std::string(to_string(spec.mode)));
}

void change_macvlan(Rtnl& rtnl, int ifindex, const MacvlanChange& c) {
    nl_msg* msg = new_link_message(0, ifindex);
    put_macvlan_data(msg, "macvlan", c.mode, c.flags, c.macaddr_mode, c.macaddrs, c.bc_queue_len, c.bc_cutoff);
    rtnl.request(msg, "change macvlan " + std::to_string(ifindex));
}

MacvlanInfo macvlan_info(Rtnl& rtnl, int ifindex) {
    auto reply = rtnl.link_message(ifindex);
    auto* hdr = reinterpret_cast<nlmsghdr*>(reply.data());
    nlattr* tb[IFLA_MAX + 1] = {};
    if (nlmsg_parse(hdr, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0) throw std::runtime_error("malformed RTM_NEWLINK");
    MacvlanInfo info;
    if (tb[IFLA_LINK]) info.lower_ifindex = static_cast<int>(nla_get_u32(tb[IFLA_LINK]));
    if (!tb[IFLA_LINKINFO]) throw std::runtime_error("link " + std::to_string(ifindex) + " has no IFLA_LINKINFO");
    nlattr* li[IFLA_INFO_MAX + 1] = {};
    nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr);
    if (!li[IFLA_INFO_KIND] || std::string(nla_get_string(li[IFLA_INFO_KIND])) != "macvlan" || !li[IFLA_INFO_DATA])
        throw std::runtime_error("link " + std::to_string(ifindex) + " is not a macvlan");
    nlattr* d[kIflaMacvlanMax + 1] = {};
    nla_parse_nested(d, kIflaMacvlanMax, li[IFLA_INFO_DATA], nullptr);
    if (d[IFLA_MACVLAN_MODE]) info.mode = nla_get_u32(d[IFLA_MACVLAN_MODE]);
    if (d[IFLA_MACVLAN_FLAGS]) info.flags = nla_get_u16(d[IFLA_MACVLAN_FLAGS]);
    if (d[IFLA_MACVLAN_MACADDR_COUNT]) info.macaddr_count = nla_get_u32(d[IFLA_MACVLAN_MACADDR_COUNT]);
    if (d[IFLA_MACVLAN_MACADDR_DATA]) {
        nlattr* a;
        int rem;
        nla_for_each_nested(a, d[IFLA_MACVLAN_MACADDR_DATA], rem) {
            if (nla_type(a) == IFLA_MACVLAN_MACADDR && nla_len(a) == 6) info.macaddrs.push_back(mac_of(a));
        }
    }
    if (d[IFLA_MACVLAN_BC_QUEUE_LEN]) info.bc_queue_len = nla_get_u32(d[IFLA_MACVLAN_BC_QUEUE_LEN]);
    if (d[IFLA_MACVLAN_BC_QUEUE_LEN_USED]) info.bc_queue_len_used = nla_get_u32(d[IFLA_MACVLAN_BC_QUEUE_LEN_USED]);
    if (d[kIflaMacvlanBcCutoff]) info.bc_cutoff = static_cast<int32_t>(nla_get_u32(d[kIflaMacvlanBcCutoff]));
    return info;
}

}  // namespace mvc
