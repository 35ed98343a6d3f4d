// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "addresses.hpp"

namespace mvc {

class Rtnl;

// The bonding modes' numeric values are the kernel ABI (BOND_MODE_* in include/uapi/linux/if_bonding.h).
enum class BondMode : uint8_t {
    balance_rr = 0,
    active_backup = 1,
    balance_xor = 2,
    broadcast = 3,
    lacp_802_3ad = 4,
    balance_tlb = 5,
    balance_alb = 6,
};

// The kernel's own names ("balance-rr", "active-backup", "802.3ad", ...), as `ip link` takes them.
std::string_view to_string(BondMode mode);
BondMode bond_mode_from_string(std::string_view text);  // throws std::invalid_argument
// The same name fit for test names: "active_backup", "balance_alb", "802_3ad".
std::string bond_mode_label(BondMode mode);

struct BondSpec {
    std::string name;
    MacAddress mac;
    BondMode mode = BondMode::active_backup;
    uint32_t miimon_ms = 100;  // carrier checks: without them a bond takes every port's link as up
    // 802.3ad: LACPDUs every second instead of every 30 (lacp_rate fast), so the aggregator forms in
    // a few seconds.
    bool lacp_fast = true;
};

// libnl 3.7 (Debian 12) can name the kind "bond" but has no setters for its IFLA_BOND_* attributes
// (rtnl_link_bond_set_mode came with 3.8), so the request is built by hand. Returns the ifindex.
// Throws NetlinkError with the kernel's errno.
int create_bond(Rtnl& rtnl, const BondSpec& spec);

// IFLA_BOND_ACTIVE_SLAVE: makes `port` the active port of an active-backup (or tlb/alb) bond, as
// `ip link set bond0 type bond active_slave port1` does (bond_option_active_slave_set).
void set_bond_active_port(Rtnl& rtnl, int bond, int port);
// IFLA_BOND_MODE on an existing bond (bond_option_mode_set refuses it while the bond is up).
void set_bond_mode(Rtnl& rtnl, int bond, BondMode mode);

struct BondState {
    BondMode mode = BondMode::balance_rr;
    int active_port = 0;  // IFLA_BOND_ACTIVE_SLAVE: 0 when the mode has none or no port is active
};
BondState bond_state(Rtnl& rtnl, int bond);

// IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE of a port of an 802.3ad bond: the LACP_STATE_* bits of
// its own side. Empty when the link is no bond's port or its bond reports no LACP state.
std::optional<uint8_t> lacp_actor_state(Rtnl& rtnl, int port);
// Whether a port with this actor state carries frames: its mux machine reached
// COLLECTING_DISTRIBUTING (ad_mux_machine), which needs the partner's LACPDUs in sync. Until
// then the bond has carrier (bond_3ad_set_carrier) yet drops what the port receives and sends
// nothing through it.
bool lacp_port_carries_frames(uint8_t actor_state);

}  // namespace mvc
