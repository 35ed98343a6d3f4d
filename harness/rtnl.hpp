#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "addresses.hpp"
#include "net_namespace.hpp"

struct nl_sock;
struct nl_msg;

namespace mvc {

// The modes' numeric values are the kernel ABI (enum macvlan_mode in linux/if_link.h).
enum class MacvlanMode : uint32_t { private_ = 1, vepa = 2, bridge = 4, passthru = 8, source = 16 };

std::string_view to_string(MacvlanMode mode);
MacvlanMode macvlan_mode_from_string(std::string_view text);  // throws std::invalid_argument

inline constexpr uint16_t kMacvlanFlagNoPromisc = 1;  // MACVLAN_FLAG_NOPROMISC
inline constexpr uint16_t kMacvlanFlagNoDst = 2;      // MACVLAN_FLAG_NODST

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
    int master_ifindex = 0;    // IFLA_MASTER

    bool up() const;
    bool oper_up() const;
};

struct AddressInfo {
    int ifindex = 0;
    std::string address;  // "192.0.2.10/24"
    unsigned flags = 0;   // IFA_F_*
};

struct MacvlanSpec {
    std::string name;
    int lower_ifindex = 0;
    MacvlanMode mode = MacvlanMode::vepa;
    uint16_t flags = 0;
    std::optional<MacAddress> mac;
    std::optional<unsigned> mtu;
    const NetNamespace* target = nullptr;  // created directly inside this namespace (IFLA_NET_NS_FD)
    std::vector<MacAddress> source_macs;   // source mode allow-list, installed with MACVLAN_MACADDR_SET
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
    void create_macvlan(const MacvlanSpec& spec);
    void delete_link(int ifindex);

    void set_up(int ifindex, bool up = true);
    // No IPv6 link-local address (IN6_ADDR_GEN_MODE_NONE): fewer stray DAD/MLD frames, and a
    // passthru slave cannot collide with its parent's EUI-64 address. Must precede set_up.
    void disable_ipv6_link_local(int ifindex);
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
    void add_permanent_neighbour(int ifindex, const IpAddress& address, const MacAddress& mac);

    // Sends a request built elsewhere and waits for the kernel's answer. Returns 0 or a positive
    // errno; the extended-ack message, if any, goes to *extack. Takes ownership of msg.
    int transact(nl_msg* msg, std::string* extack = nullptr);
    // Same, but throws NetlinkError naming `what` when the kernel refuses.
    void request(nl_msg* msg, const std::string& what);

    nl_sock* socket() const { return sock_; }

private:
    nl_sock* sock_ = nullptr;
};

}  // namespace mvc
