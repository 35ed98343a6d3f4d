// SPDX-License-Identifier: MIT
#include "bond_link.hpp"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <array>
#include <stdexcept>

#include "rtnl.hpp"

namespace mvc {

namespace {

constexpr std::array<std::pair<BondMode, std::string_view>, 7> kNames{{
    {BondMode::balance_rr, "balance-rr"},
    {BondMode::active_backup, "active-backup"},
    {BondMode::balance_xor, "balance-xor"},
    {BondMode::broadcast, "broadcast"},
    {BondMode::lacp_802_3ad, "802.3ad"},
    {BondMode::balance_tlb, "balance-tlb"},
    {BondMode::balance_alb, "balance-alb"},
}};

// An RTM_NEWLINK for a bond, with its IFLA_INFO_DATA open for the caller's attributes.
struct BondRequest {
    nl_msg* msg;
    nlattr* info;
    nlattr* data;
};

BondRequest start(int flags, int ifindex) {
    nl_msg* msg = nlmsg_alloc_simple(RTM_NEWLINK, flags);
    if (!msg) throw std::bad_alloc();
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = ifindex;
    nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    return {msg, nullptr, nullptr};
}

void open_data(BondRequest& r) {
    r.info = nla_nest_start(r.msg, IFLA_LINKINFO);
    nla_put_string(r.msg, IFLA_INFO_KIND, "bond");
    r.data = nla_nest_start(r.msg, IFLA_INFO_DATA);
}

void close_data(BondRequest& r) {
    nla_nest_end(r.msg, r.data);
    nla_nest_end(r.msg, r.info);
}

}  // namespace

std::string_view to_string(BondMode mode) {
    for (const auto& [m, name] : kNames)
        if (m == mode) return name;
    return "?";
}

BondMode bond_mode_from_string(std::string_view text) {
    for (const auto& [m, name] : kNames)
        if (name == text) return m;
    throw std::invalid_argument("unknown bonding mode '" + std::string(text) + "'");
}

std::string bond_mode_label(BondMode mode) {
    std::string label(to_string(mode));
    for (char& c : label)
        if (c == '-' || c == '.') c = '_';
    return label;
}

int create_bond(Rtnl& rtnl, const BondSpec& spec) {
    BondRequest r = start(NLM_F_CREATE | NLM_F_EXCL, 0);
    nla_put_string(r.msg, IFLA_IFNAME, spec.name.c_str());
    nla_put(r.msg, IFLA_ADDRESS, 6, spec.mac.bytes().data());
    open_data(r);
    nla_put_u8(r.msg, IFLA_BOND_MODE, static_cast<uint8_t>(spec.mode));
    nla_put_u32(r.msg, IFLA_BOND_MIIMON, spec.miimon_ms);
    if (spec.mode == BondMode::lacp_802_3ad) nla_put_u8(r.msg, IFLA_BOND_AD_LACP_RATE, spec.lacp_fast ? 1 : 0);
    close_data(r);
    rtnl.request(r.msg, "create bond " + spec.name + " (mode " + std::string(to_string(spec.mode)) + ")");
    return rtnl.link(spec.name).ifindex;
}

void set_bond_active_port(Rtnl& rtnl, int bond, int port) {
    BondRequest r = start(0, bond);
    open_data(r);
    nla_put_u32(r.msg, IFLA_BOND_ACTIVE_SLAVE, static_cast<uint32_t>(port));
    close_data(r);
    rtnl.request(r.msg, "make link " + std::to_string(port) + " the active port of bond " + std::to_string(bond));
}

void set_bond_mode(Rtnl& rtnl, int bond, BondMode mode) {
    BondRequest r = start(0, bond);
    open_data(r);
    nla_put_u8(r.msg, IFLA_BOND_MODE, static_cast<uint8_t>(mode));
    close_data(r);
    rtnl.request(r.msg, "set mode " + std::string(to_string(mode)) + " on bond " + std::to_string(bond));
}

BondState bond_state(Rtnl& rtnl, int bond) {
    auto reply = rtnl.link_message(bond);
    auto* hdr = reinterpret_cast<nlmsghdr*>(reply.data());
    nlattr* tb[IFLA_MAX + 1] = {};
    if (nlmsg_parse(hdr, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0 || !tb[IFLA_LINKINFO])
        throw std::runtime_error("link " + std::to_string(bond) + ": malformed RTM_NEWLINK or no IFLA_LINKINFO");
    nlattr* li[IFLA_INFO_MAX + 1] = {};
    nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr);
    if (!li[IFLA_INFO_KIND] || std::string(nla_get_string(li[IFLA_INFO_KIND])) != "bond" || !li[IFLA_INFO_DATA])
        throw std::runtime_error("link " + std::to_string(bond) + " is not a bond");
    nlattr* d[IFLA_BOND_MAX + 1] = {};
    nla_parse_nested(d, IFLA_BOND_MAX, li[IFLA_INFO_DATA], nullptr);
    BondState s;
    if (d[IFLA_BOND_MODE]) s.mode = static_cast<BondMode>(nla_get_u8(d[IFLA_BOND_MODE]));
    if (d[IFLA_BOND_ACTIVE_SLAVE]) s.active_port = static_cast<int>(nla_get_u32(d[IFLA_BOND_ACTIVE_SLAVE]));
    return s;
}

std::optional<uint8_t> lacp_actor_state(Rtnl& rtnl, int port) {
    auto reply = rtnl.link_message(port);
    auto* hdr = reinterpret_cast<nlmsghdr*>(reply.data());
    nlattr* tb[IFLA_MAX + 1] = {};
    if (nlmsg_parse(hdr, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0 || !tb[IFLA_LINKINFO]) return std::nullopt;
    nlattr* li[IFLA_INFO_MAX + 1] = {};
    if (nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr) < 0) return std::nullopt;
    if (!li[IFLA_INFO_SLAVE_KIND] || std::string(nla_get_string(li[IFLA_INFO_SLAVE_KIND])) != "bond" || !li[IFLA_INFO_SLAVE_DATA])
        return std::nullopt;
    nlattr* d[IFLA_BOND_SLAVE_MAX + 1] = {};
    if (nla_parse_nested(d, IFLA_BOND_SLAVE_MAX, li[IFLA_INFO_SLAVE_DATA], nullptr) < 0) return std::nullopt;
    if (!d[IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE]) return std::nullopt;
    return nla_get_u8(d[IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE]);
}

bool lacp_port_carries_frames(uint8_t actor_state) {
    // LACP_STATE_COLLECTING and LACP_STATE_DISTRIBUTING (include/net/bond_3ad.h; IEEE 802.1AX).
    constexpr uint8_t kCollecting = 0x10, kDistributing = 0x20;
    return (actor_state & kCollecting) && (actor_state & kDistributing);
}

}  // namespace mvc
