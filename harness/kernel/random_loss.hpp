// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "addresses.hpp"
#include "net_namespace.hpp"

namespace mvc {

// The frames a RandomLoss dropped, by whom they were sent: a silent probe whose own frames were
// lost proves nothing, one whose frames all crossed does.
struct LostFrames {
    std::vector<IpAddress> senders;  // ARP sender addresses, IPv4 and IPv6 source addresses
    uint64_t dropped = 0;            // every frame dropped
    uint64_t unattributed = 0;       // dropped frames that were neither ARP nor IP (a VLAN tag, LLDP ...)

    // Whether a frame this address sent was lost (or one that cannot be told apart was).
    bool touches(const IpAddress& address) const;
    void add(const LostFrames& other);
};

// libnftables' JSON listing of a set of addresses ("list set"), as the sender addresses it holds.
// Pure: the fuzz target feeds it any text. Throws std::invalid_argument on text that is not such
// a listing.
std::vector<IpAddress> parse_nft_set_listing(std::string_view json);
// libnftables' JSON answer to "reset counter": the packets the counter held before the reset.
uint64_t parse_nft_counter_listing(std::string_view json);

// Drops `percent` of the frames that arrive on some interfaces of one namespace, at random
// (--inject-fault loss:N). The nftables table sits on the netdev ingress hook, which runs before
// any rx_handler (__netif_receive_skb_core: nf_ingress, then macvlan_handle_frame or the bridge's),
// so a frame lost there never reaches macvlan, the bridge or the stack. It remembers who sent what
// it dropped. The table lives in the namespace and goes with it.
class RandomLoss {
public:
    RandomLoss(const NetNamespace& ns, const std::vector<std::string>& interfaces, unsigned percent);
    // What was dropped since the last call (or since it was made); forgets it.
    LostFrames take();

private:
    NetNamespace ns_;
};

// The nftables script RandomLoss loads (exposed for the unit tests and the README's example).
std::string random_loss_ruleset(const std::vector<std::string>& interfaces, unsigned percent);

}  // namespace mvc
