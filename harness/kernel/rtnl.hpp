// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "addresses.hpp"
#include "macvlan_link.hpp"
#include "net_namespace.hpp"

struct nl_sock;
struct nl_msg;

namespace mvc {

// What the kernel reports about one link (RTM_NEWLINK reply).
struct LinkInfo {
    int ifindex = 0;
    std::string name;
    std::string kind;  // IFLA_INFO_KIND, empty for devices without rtnl_link_ops
    unsigned flags = 0;
    uint8_t operstate = 0;  // IF_OPER_*
    bool carrier = false;
    unsigned mtu = 0;
    MacAddress mac;
    uint32_t promiscuity = 0;  // IFLA_PROMISCUITY: the counter, not the IFF_PROMISC flag
    int lower_ifindex = 0;     // IFLA_LINK
    bool lower_in_other_namespace = false;  // IFLA_LINK_NETNSID present: lower_ifindex is not ours
    int master_ifindex = 0;    // IFLA_MASTER
    // Frames the device dropped on receive (IFLA_STATS64 rx_dropped). On a macvlan parent this
    // counts what macvlan_broadcast_enqueue could not queue: the broadcast queue was full.
    uint64_t rx_dropped = 0;
    uint64_t rx_packets = 0;  // IFLA_STATS64 rx_packets: on a slave, every frame macvlan delivered to it
    uint64_t rx_errors = 0;   // IFLA_STATS64 rx_errors (a macvlan reports its rx drops as both, macvlan_dev_get_stats64)
    unsigned tx_queue_len = 0;  // IFLA_TXQLEN: on a macvtap, also the length of each queue's ring (tap_open)

    bool up() const;
    bool oper_up() const;
};

struct AddressInfo {
    int ifindex = 0;
    std::string address;  // "192.0.2.10/24"
    unsigned flags = 0;   // IFA_F_*
};


// One rtnetlink socket opened inside a namespace, with the link, address and neighbour requests
// the harness needs. Every refusal throws NetlinkError carrying the kernel's own errno (libnl's
// error codes fold EADDRINUSE into EEXIST, and the suites assert exact errnos).
class Rtnl {
public:
    explicit Rtnl(const NetNamespace& ns);
    ~Rtnl();
    Rtnl(const Rtnl&) = delete;
    Rtnl& operator=(const Rtnl&) = delete;

    // Links. Creation returns the new ifindex when the link lives in this namespace.
    int create_veth(const std::string& name, const MacAddress& mac, const std::string& peer_name,
                    const MacAddress& peer_mac, const NetNamespace& peer_ns);
    int create_bridge(const std::string& name, const MacAddress& mac);
    int create_dummy(const std::string& name, const MacAddress& mac);
    int create_vlan(const std::string& name, int lower_ifindex, uint16_t vlan_id, const MacAddress& mac);
    // `mode` is enum ipvlan_mode's value (IPVLAN_MODE_L2 = 0, L3 = 1, L3S = 2); the kernel's default is L3.
    int create_ipvlan(const std::string& name, int lower_ifindex, uint16_t mode = 1);
    void delete_link(int ifindex);

    void set_up(int ifindex, bool up = true);
    // Changes only the flags in `mask` (ifi_change), as `ip link set X promisc on` does.
    void set_flags(int ifindex, unsigned flags, unsigned mask);
    void set_promisc(int ifindex, bool on);
    void set_mtu(int ifindex, unsigned mtu);
    void set_tx_queue_len(int ifindex, unsigned length);  // IFLA_TXQLEN, `ip link set X txqueuelen N`
    void set_mac(int ifindex, const MacAddress& mac);
    void move_to(int ifindex, const NetNamespace& target);  // IFLA_NET_NS_FD
    // No IPv6 link-local address (IN6_ADDR_GEN_MODE_NONE): fewer stray DAD/MLD frames, and a
    // passthru slave cannot collide with its parent's EUI-64 address. Must precede set_up.
    void disable_ipv6_link_local(int ifindex);
    // IFLA_INET6_ADDR_GEN_MODE (IN6_ADDR_GEN_MODE_*): stored for the next NETDEV_UP, which makes
    // the link-local address by it; nothing is generated or removed now (inet6_set_link_af).
    void set_addr_gen_mode(int ifindex, uint8_t mode);
    // Per-interface ARP/ND retransmit interval (RTM_SETNEIGHTBL), so that one lost solicitation
    // costs milliseconds instead of the default second.
    void set_neighbour_retransmit(int ifindex, Family family, unsigned milliseconds);
    // One IPv4 per-interface setting (IFLA_INET_CONF), e.g. IPV4_DEVCONF_ARP_IGNORE.
    void set_ipv4_conf(int ifindex, unsigned setting, uint32_t value);
    void set_master(int ifindex, int master_ifindex);
    void set_bridge_port_hairpin(int ifindex, bool on);
    void disable_bridge_multicast_snooping(int bridge_ifindex);

    std::optional<LinkInfo> find_link(const std::string& name);
    std::optional<LinkInfo> find_link(int ifindex);
    LinkInfo link(const std::string& name);  // throws if absent
    LinkInfo link(int ifindex);
    std::vector<LinkInfo> links();

    // Addresses and neighbours.
    void add_address(int ifindex, const IpAddress& address, int prefix_length);
    std::vector<AddressInfo> addresses();
    void delete_address(int ifindex, const IpAddress& address, int prefix_length);
    // Re-adds an address captured by addresses() ("a/len"), e.g. when restoring an interface.
    void add_address_text(int ifindex, const std::string& address_with_prefix);
    void add_permanent_neighbour(int ifindex, const IpAddress& address, const MacAddress& mac);
    // Deletes learnt (not permanent) neighbour entries, all of them or those `which` selects:
    // back to cold caches.
    // With `multicast_too`, also the NOARP entries the kernel makes for multicast destinations (an
    // IPv6 solicitation to a solicited-node group makes one): they count against the table's
    // garbage-collection thresholds like any other.
    void flush_neighbours(const std::function<bool(const IpAddress&, int ifindex)>& which = {}, bool multicast_too = false);

    // Sends a request built elsewhere and waits for the kernel's answer. Returns 0 or a positive
    // errno; the extended-ack message, if any, goes to *extack. Takes ownership of msg.
    int transact(nl_msg* msg, std::string* extack = nullptr);
    // Same, but throws NetlinkError naming `what` when the kernel refuses.
    void request(nl_msg* msg, const std::string& what);
    // Sends a GET request and returns every reply message, raw (for attributes libnl does not
    // know, such as IFLA_MACVLAN_BC_QUEUE_LEN). Throws NetlinkError on refusal.
    std::vector<std::vector<uint8_t>> query(nl_msg* msg, const std::string& what);
    // The kernel's RTM_NEWLINK reply for one link, raw: attributes libnl does not parse (macvlan's
    // IFLA_INFO_DATA, IFLA_STATS64) are read from it with nlmsg_parse.
    std::vector<uint8_t> link_message(int ifindex);

    nl_sock* socket() const { return sock_; }

private:
    nl_sock* sock_ = nullptr;
};

}  // namespace mvc
