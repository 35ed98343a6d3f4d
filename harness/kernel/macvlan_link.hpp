// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addresses.hpp"
#include "net_namespace.hpp"

namespace mvc {

class Rtnl;

// The modes' numeric values are the kernel ABI (enum macvlan_mode in linux/if_link.h).
enum class MacvlanMode : uint32_t { private_ = 1, vepa = 2, bridge = 4, passthru = 8, source = 16 };

std::string_view to_string(MacvlanMode mode);
MacvlanMode macvlan_mode_from_string(std::string_view text);  // throws std::invalid_argument

inline constexpr uint16_t kMacvlanFlagNoPromisc = 1;  // MACVLAN_FLAG_NOPROMISC
inline constexpr uint16_t kMacvlanFlagNoDst = 2;      // MACVLAN_FLAG_NODST

// enum macvlan_macaddr_mode: how IFLA_MACVLAN_MACADDR* edit a source-mode allow-list.
enum class MacaddrMode : uint32_t { add = 0, del = 1, flush = 2, set = 3 };

struct MacvlanSpec {
    std::string name;
    // "macvtap" makes the same port member with a character-device queue (macvtap_newlink calls
    // macvlan_common_newlink: the modes, flags and source list are the same attributes).
    std::string kind = "macvlan";
    int lower_ifindex = 0;
    MacvlanMode mode = MacvlanMode::vepa;
    uint16_t flags = 0;
    std::optional<MacAddress> mac;
    std::optional<unsigned> mtu;
    const NetNamespace* target = nullptr;  // created directly inside this namespace (IFLA_NET_NS_FD)
    std::vector<MacAddress> source_macs;   // source-mode allow-list, installed with MACADDR_SET
    std::optional<uint32_t> bc_queue_len;  // IFLA_MACVLAN_BC_QUEUE_LEN (5.11+)
    std::optional<int32_t> bc_cutoff;      // IFLA_MACVLAN_BC_CUTOFF (6.4+)
};

// A changelink request; only the fields that are set are sent.
struct MacvlanChange {
    std::optional<MacvlanMode> mode;
    std::optional<uint16_t> flags;
    std::optional<MacaddrMode> macaddr_mode;
    std::vector<MacAddress> macaddrs;  // add/del: exactly one (IFLA_MACVLAN_MACADDR); set: the new list
    std::optional<uint32_t> bc_queue_len;
    std::optional<int32_t> bc_cutoff;
};

inline MacvlanChange mode_change(MacvlanMode mode) {
    MacvlanChange c;
    c.mode = mode;
    return c;
}

// What RTM_GETLINK says about a macvlan (macvlan_fill_info). Optional fields are absent on
// kernels that do not report them.
struct MacvlanInfo {
    uint32_t mode = 0;
    uint16_t flags = 0;
    int lower_ifindex = 0;  // IFLA_LINK
    uint32_t macaddr_count = 0;
    std::vector<MacAddress> macaddrs;  // in the kernel's hash order
    std::optional<uint32_t> bc_queue_len, bc_queue_len_used;
    std::optional<int32_t> bc_cutoff;  // reported only when not the default of 1
};

// Macvlan requests are built by hand with libnl's message API because libnl 3.7 has no
// attributes for the broadcast queue, bc_cutoff or nodst. All throw NetlinkError on refusal,
// with the kernel's errno.
void create_macvlan(Rtnl& rtnl, const MacvlanSpec& spec);
void change_macvlan(Rtnl& rtnl, int ifindex, const MacvlanChange& change);
MacvlanInfo macvlan_info(Rtnl& rtnl, int ifindex);

}  // namespace mvc
