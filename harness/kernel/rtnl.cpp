// SPDX-License-Identifier: MIT
#include "rtnl.hpp"

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/inet.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/ipvlan.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/neighbour.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>
#include <stdexcept>

#include "error.hpp"
#include "macvlan_link.hpp"

namespace mvc {

namespace {

struct LinkPut {
    void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct AddrPut {
    void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct RtAddrPut {
    void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct NeighPut {
    void operator()(rtnl_neigh* n) const { rtnl_neigh_put(n); }
};
struct CachePut {
    void operator()(nl_cache* c) const { nl_cache_free(c); }
};
struct CbPut {
    void operator()(nl_cb* c) const { nl_cb_put(c); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkPut>;
using CbPtr = std::unique_ptr<nl_cb, CbPut>;

// A private copy of the socket's callbacks. nl_socket_get_cb hands out a new reference to the
// socket's own set; dropping it is what keeps nl_socket_free able to free that set (one leaked nl_cb
// per socket otherwise, found by LeakSanitizer).
CbPtr clone_callbacks(nl_sock* sock) {
    CbPtr own(nl_socket_get_cb(sock));
    CbPtr copy(nl_cb_clone(own.get()));
    if (!copy) throw std::bad_alloc();
    return copy;
}
using NlAddrPtr = std::unique_ptr<nl_addr, AddrPut>;

LinkPtr new_link() {
    LinkPtr l(rtnl_link_alloc());
    if (!l) throw std::bad_alloc();
    return l;
}

NlAddrPtr nl_address(const IpAddress& ip, int prefix = -1) {
    NlAddrPtr a(nl_addr_build(address_family(ip.family()), ip.bytes(), ip.size()));
    if (!a) throw std::bad_alloc();
    if (prefix >= 0) nl_addr_set_prefixlen(a.get(), prefix);
    return a;
}

NlAddrPtr nl_address(const MacAddress& mac) {
    NlAddrPtr a(nl_addr_build(AF_LLC, mac.bytes().data(), mac.bytes().size()));
    if (!a) throw std::bad_alloc();
    return a;
}

void check_build(int err, const std::string& what) {
    if (err < 0) throw std::runtime_error(what + ": cannot build netlink request: " + nl_geterror(err));
}

LinkInfo to_info(rtnl_link* l) {
    LinkInfo info;
    info.ifindex = rtnl_link_get_ifindex(l);
    if (const char* name = rtnl_link_get_name(l)) info.name = name;
    if (const char* kind = rtnl_link_get_type(l)) info.kind = kind;
    info.flags = rtnl_link_get_flags(l);
    info.operstate = rtnl_link_get_operstate(l);
    info.carrier = rtnl_link_get_carrier(l) != 0;
    info.mtu = rtnl_link_get_mtu(l);
    if (nl_addr* a = rtnl_link_get_addr(l); a && nl_addr_get_len(a) == 6) {
        std::array<uint8_t, 6> b{};
        std::memcpy(b.data(), nl_addr_get_binary_addr(a), 6);
        info.mac = MacAddress(b);
    }
    info.promiscuity = rtnl_link_get_promiscuity(l);
    info.rx_dropped = rtnl_link_get_stat(l, RTNL_LINK_RX_DROPPED);
    info.rx_packets = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS);
    info.rx_errors = rtnl_link_get_stat(l, RTNL_LINK_RX_ERRORS);
    info.tx_queue_len = rtnl_link_get_txqlen(l);
    info.lower_ifindex = rtnl_link_get_link(l);
    int32_t netnsid = 0;
    info.lower_in_other_namespace = rtnl_link_get_link_netnsid(l, &netnsid) == 0;
    info.master_ifindex = rtnl_link_get_master(l);
    return info;
}

// Collects the outcome of one request: the ACK, or the error with its extended-ack text.
struct AckState {
    bool done = false;
    int error = 0;
    std::string extack;
};

int on_error(sockaddr_nl*, nlmsgerr* err, void* arg) {
    auto* state = static_cast<AckState*>(arg);
    state->done = true;
    state->error = -err->error;
    // The TLVs follow the echoed request (or only its header when NETLINK_CAP_ACK is set).
    const auto* outer = reinterpret_cast<const nlmsghdr*>(reinterpret_cast<const char*>(err) - NLMSG_HDRLEN);
    if (outer->nlmsg_flags & NLM_F_ACK_TLVS) {
        const size_t echoed = (outer->nlmsg_flags & NLM_F_CAPPED) ? sizeof(nlmsghdr) : NLMSG_ALIGN(err->msg.nlmsg_len);
        const char* tlv = reinterpret_cast<const char*>(&err->msg) + echoed;
        const char* end = reinterpret_cast<const char*>(outer) + outer->nlmsg_len;
        while (tlv + sizeof(nlattr) <= end) {
            const auto* attr = reinterpret_cast<const nlattr*>(tlv);
            if (attr->nla_len < sizeof(nlattr) || tlv + attr->nla_len > end) break;
            if ((attr->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG)
                state->extack.assign(reinterpret_cast<const char*>(attr) + NLA_HDRLEN,
                                     strnlen(reinterpret_cast<const char*>(attr) + NLA_HDRLEN, attr->nla_len - NLA_HDRLEN));
            tlv += NLA_ALIGN(attr->nla_len);
        }
    }
    return NL_STOP;
}

int on_ack(nl_msg*, void* arg) {
    static_cast<AckState*>(arg)->done = true;
    return NL_STOP;
}

}  // namespace

bool LinkInfo::up() const { return (flags & IFF_UP) != 0; }
bool LinkInfo::oper_up() const { return operstate == IF_OPER_UP; }

Rtnl::Rtnl(const NetNamespace& ns) {
    sock_ = ns.run([] {
        nl_sock* s = nl_socket_alloc();
        if (!s) throw std::bad_alloc();
        if (int err = nl_connect(s, NETLINK_ROUTE); err < 0) {
            nl_socket_free(s);
            throw std::runtime_error(std::string("netlink connect: ") + nl_geterror(err));
        }
        const int on = 1;
        ::setsockopt(nl_socket_get_fd(s), SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
        ::setsockopt(nl_socket_get_fd(s), SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
        return s;
    });
}

Rtnl::~Rtnl() { nl_socket_free(sock_); }

int Rtnl::transact(nl_msg* msg, std::string* extack) {
    std::unique_ptr<nl_msg, void (*)(nl_msg*)> owned(msg, nlmsg_free);
    nl_complete_msg(sock_, msg);  // sequence number, port id, NLM_F_REQUEST | NLM_F_ACK
    if (int err = nl_send(sock_, msg); err < 0)
        throw std::runtime_error(std::string("netlink send: ") + nl_geterror(err));
    AckState state;
    CbPtr cb = clone_callbacks(sock_);
    nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &state);
    nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_ack, &state);
    while (!state.done) {
        int err = nl_recvmsgs(sock_, cb.get());
        if (err < 0 && !state.done) throw std::runtime_error(std::string("netlink receive: ") + nl_geterror(err));
    }
    if (extack) *extack = state.extack;
    return state.error;
}

namespace {
struct QueryState {
    AckState ack;
    std::vector<std::vector<uint8_t>> replies;
};
int on_reply(nl_msg* msg, void* arg) {
    const nlmsghdr* h = nlmsg_hdr(msg);
    const auto* bytes = reinterpret_cast<const uint8_t*>(h);
    static_cast<QueryState*>(arg)->replies.emplace_back(bytes, bytes + h->nlmsg_len);
    return NL_OK;
}
}  // namespace

std::vector<std::vector<uint8_t>> Rtnl::query(nl_msg* msg, const std::string& what) {
    std::unique_ptr<nl_msg, void (*)(nl_msg*)> owned(msg, nlmsg_free);
    nl_complete_msg(sock_, msg);
    if (int err = nl_send(sock_, msg); err < 0) throw std::runtime_error(std::string("netlink send: ") + nl_geterror(err));
    QueryState state;
    CbPtr cb = clone_callbacks(sock_);
    nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &state.ack);
    nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_ack, &state.ack);
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_reply, &state);
    while (!state.ack.done) {
        int err = nl_recvmsgs(sock_, cb.get());
        if (err < 0 && !state.ack.done) throw std::runtime_error(std::string("netlink receive: ") + nl_geterror(err));
    }
    if (state.ack.error) throw NetlinkError(what, state.ack.error, state.ack.extack);
    return std::move(state.replies);
}

std::vector<uint8_t> Rtnl::link_message(int ifindex) {
    nl_msg* msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
    if (!msg) throw std::bad_alloc();
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    auto replies = query(msg, "get link " + std::to_string(ifindex));
    if (replies.empty()) throw std::runtime_error("no RTM_NEWLINK reply for link " + std::to_string(ifindex));
    return std::move(replies.front());
}

void Rtnl::request(nl_msg* msg, const std::string& what) {
    std::string extack;
    if (int error = transact(msg, &extack); error != 0) throw NetlinkError(what, error, extack);
}

int Rtnl::create_veth(const std::string& name, const MacAddress& mac, const std::string& peer_name,
                      const MacAddress& peer_mac, const NetNamespace& peer_ns) {
    LinkPtr l(rtnl_link_veth_alloc());
    if (!l) throw std::bad_alloc();
    rtnl_link_set_name(l.get(), name.c_str());
    rtnl_link_set_addr(l.get(), nl_address(mac).get());
    rtnl_link* peer = rtnl_link_veth_get_peer(l.get());
    rtnl_link_set_name(peer, peer_name.c_str());
    rtnl_link_set_addr(peer, nl_address(peer_mac).get());
    rtnl_link_set_ns_fd(peer, peer_ns.fd());
    rtnl_link_put(peer);
    nl_msg* msg = nullptr;
    check_build(rtnl_link_build_add_request(l.get(), NLM_F_CREATE | NLM_F_EXCL, &msg), "veth " + name);
    request(msg, "create veth " + name + " (peer " + peer_name + ")");
    return link(name).ifindex;
}

int Rtnl::create_bridge(const std::string& name, const MacAddress& mac) {
    LinkPtr l(rtnl_link_bridge_alloc());
    if (!l) throw std::bad_alloc();
    rtnl_link_set_name(l.get(), name.c_str());
    rtnl_link_set_addr(l.get(), nl_address(mac).get());
    nl_msg* msg = nullptr;
    check_build(rtnl_link_build_add_request(l.get(), NLM_F_CREATE | NLM_F_EXCL, &msg), "bridge " + name);
    request(msg, "create bridge " + name);
    return link(name).ifindex;
}

int Rtnl::create_dummy(const std::string& name, const MacAddress& mac) {
    LinkPtr l = new_link();
    rtnl_link_set_name(l.get(), name.c_str());
    check_build(rtnl_link_set_type(l.get(), "dummy"), "dummy " + name);
    rtnl_link_set_addr(l.get(), nl_address(mac).get());
    nl_msg* msg = nullptr;
    check_build(rtnl_link_build_add_request(l.get(), NLM_F_CREATE | NLM_F_EXCL, &msg), "dummy " + name);
    request(msg, "create dummy " + name);
    return link(name).ifindex;
}

int Rtnl::create_vlan(const std::string& name, int lower_ifindex, uint16_t vlan_id, const MacAddress& mac) {
    LinkPtr l(rtnl_link_vlan_alloc());
    if (!l) throw std::bad_alloc();
    rtnl_link_set_name(l.get(), name.c_str());
    rtnl_link_set_link(l.get(), lower_ifindex);
    rtnl_link_set_addr(l.get(), nl_address(mac).get());
    check_build(rtnl_link_vlan_set_id(l.get(), vlan_id), "vlan " + name);
    nl_msg* msg = nullptr;
    check_build(rtnl_link_build_add_request(l.get(), NLM_F_CREATE | NLM_F_EXCL, &msg), "vlan " + name);
    request(msg, "create 802.1Q sub-interface " + name + " (VLAN " + std::to_string(vlan_id) + ")");
    return link(name).ifindex;
}

int Rtnl::create_ipvlan(const std::string& name, int lower_ifindex, uint16_t mode) {
    LinkPtr l(rtnl_link_ipvlan_alloc());
    if (!l) throw std::bad_alloc();
    rtnl_link_set_name(l.get(), name.c_str());
    rtnl_link_set_link(l.get(), lower_ifindex);
    check_build(rtnl_link_ipvlan_set_mode(l.get(), mode), "ipvlan " + name);
    nl_msg* msg = nullptr;
    check_build(rtnl_link_build_add_request(l.get(), NLM_F_CREATE | NLM_F_EXCL, &msg), "ipvlan " + name);
    request(msg, "create ipvlan " + name);
    return link(name).ifindex;
}

void Rtnl::delete_link(int ifindex) {
    LinkPtr l = new_link();
    rtnl_link_set_ifindex(l.get(), ifindex);
    nl_msg* msg = nullptr;
    check_build(rtnl_link_build_delete_request(l.get(), &msg), "delete link");
    request(msg, "delete link " + std::to_string(ifindex));
}

void Rtnl::set_up(int ifindex, bool up) { set_flags(ifindex, up ? IFF_UP : 0, IFF_UP); }

void Rtnl::set_promisc(int ifindex, bool on) { set_flags(ifindex, on ? IFF_PROMISC : 0, IFF_PROMISC); }

void Rtnl::set_flags(int ifindex, unsigned flags, unsigned mask) {
    // ifi_flags/ifi_change carry exactly the bits in `mask`; dev_change_flags sees nothing else.
    nl_msg* msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
    if (!msg) throw std::bad_alloc();
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    ifi.ifi_flags = flags & mask;
    ifi.ifi_change = mask;
    nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    request(msg, "set flags " + std::to_string(flags) + "/" + std::to_string(mask) + " on link " + std::to_string(ifindex));
}

void Rtnl::set_tx_queue_len(int ifindex, unsigned length) {
    nl_msg* msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
    if (!msg) throw std::bad_alloc();
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    nla_put_u32(msg, IFLA_TXQLEN, length);
    request(msg, "set txqueuelen " + std::to_string(length) + " on link " + std::to_string(ifindex));
}

void Rtnl::set_mtu(int ifindex, unsigned mtu) {
    nl_msg* msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
    if (!msg) throw std::bad_alloc();
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    nla_put_u32(msg, IFLA_MTU, mtu);
    request(msg, "set mtu " + std::to_string(mtu) + " on link " + std::to_string(ifindex));
}

void Rtnl::set_mac(int ifindex, const MacAddress& mac) {
    nl_msg* msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
    if (!msg) throw std::bad_alloc();
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    nla_put(msg, IFLA_ADDRESS, 6, mac.bytes().data());
    request(msg, "set address " + mac.str() + " on link " + std::to_string(ifindex));
}

void Rtnl::move_to(int ifindex, const NetNamespace& target) {
    nl_msg* msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
    if (!msg) throw std::bad_alloc();
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    nla_put_u32(msg, IFLA_NET_NS_FD, static_cast<uint32_t>(target.fd()));
    request(msg, "move link " + std::to_string(ifindex) + " to another namespace");
}

void Rtnl::disable_ipv6_link_local(int ifindex) { set_addr_gen_mode(ifindex, IN6_ADDR_GEN_MODE_NONE); }

void Rtnl::set_addr_gen_mode(int ifindex, uint8_t mode) {
    LinkPtr orig = new_link();
    rtnl_link_set_ifindex(orig.get(), ifindex);
    LinkPtr change = new_link();
    check_build(rtnl_link_inet6_set_addr_gen_mode(change.get(), mode), "addr_gen_mode");
    nl_msg* msg = nullptr;
    check_build(rtnl_link_build_change_request(orig.get(), change.get(), 0, &msg), "addr_gen_mode");
    char name[32] = {};
    rtnl_link_inet6_addrgenmode2str(mode, name, sizeof name);
    request(msg, std::string("set addr_gen_mode ") + name + " on link " + std::to_string(ifindex));
}

void Rtnl::set_ipv4_conf(int ifindex, unsigned setting, uint32_t value) {
    LinkPtr orig = new_link();
    rtnl_link_set_ifindex(orig.get(), ifindex);
    LinkPtr change = new_link();
    check_build(rtnl_link_inet_set_conf(change.get(), setting, value), "ipv4 conf");
    nl_msg* msg = nullptr;
    check_build(rtnl_link_build_change_request(orig.get(), change.get(), 0, &msg), "ipv4 conf");
    request(msg, "set ipv4 conf " + std::to_string(setting) + "=" + std::to_string(value) + " on link " + std::to_string(ifindex));
}

void Rtnl::set_neighbour_retransmit(int ifindex, Family family, unsigned milliseconds) {
    nl_msg* msg = nlmsg_alloc_simple(RTM_SETNEIGHTBL, 0);
    if (!msg) throw std::bad_alloc();
    ndtmsg ndt{};
    ndt.ndtm_family = static_cast<uint8_t>(address_family(family));
    nlmsg_append(msg, &ndt, sizeof ndt, NLMSG_ALIGNTO);
    nla_put_string(msg, NDTA_NAME, family == Family::ipv4 ? "arp_cache" : "ndisc_cache");
    nlattr* parms = nla_nest_start(msg, NDTA_PARMS);
    nla_put_u32(msg, NDTPA_IFINDEX, static_cast<uint32_t>(ifindex));
    nla_put_u64(msg, NDTPA_RETRANS_TIME, milliseconds);
    nla_nest_end(msg, parms);
    request(msg, "set " + std::string(to_string(family)) + " neighbour retransmit time on link " + std::to_string(ifindex));
}

void Rtnl::set_master(int ifindex, int master_ifindex) {
    LinkPtr orig = new_link();
    rtnl_link_set_ifindex(orig.get(), ifindex);
    LinkPtr change = new_link();
    rtnl_link_set_master(change.get(), master_ifindex);
    nl_msg* msg = nullptr;
    check_build(rtnl_link_build_change_request(orig.get(), change.get(), 0, &msg), "set master");
    request(msg, "enslave link " + std::to_string(ifindex) + " to " + std::to_string(master_ifindex));
}

void Rtnl::set_bridge_port_hairpin(int ifindex, bool on) {
    // A bridge port's flags travel as AF_BRIDGE IFLA_PROTINFO in RTM_SETLINK (br_setport).
    LinkPtr orig = new_link();
    rtnl_link_set_ifindex(orig.get(), ifindex);
    rtnl_link_set_family(orig.get(), AF_BRIDGE);
    LinkPtr change(rtnl_link_bridge_alloc());
    rtnl_link_set_family(change.get(), AF_BRIDGE);
    if (on)
        rtnl_link_bridge_set_flags(change.get(), RTNL_BRIDGE_HAIRPIN_MODE);
    else
        rtnl_link_bridge_unset_flags(change.get(), RTNL_BRIDGE_HAIRPIN_MODE);
    nl_msg* msg = nullptr;
    check_build(rtnl_link_build_change_request(orig.get(), change.get(), 0, &msg), "bridge port hairpin");
    request(msg, std::string("set hairpin ") + (on ? "on" : "off") + " on bridge port " + std::to_string(ifindex));
}

void Rtnl::disable_bridge_multicast_snooping(int bridge_ifindex) {
    // libnl has no setter for IFLA_BR_MCAST_SNOOPING, so the attribute is added by hand. Without
    // snooping the bridge floods every multicast frame, which is what a reflective-relay switch does
    // with IPv6 neighbour solicitations.
    nl_msg* msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
    if (!msg) throw std::bad_alloc();
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = bridge_ifindex;
    nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    nlattr* info = nla_nest_start(msg, IFLA_LINKINFO);
    nla_put_string(msg, IFLA_INFO_KIND, "bridge");
    nlattr* data = nla_nest_start(msg, IFLA_INFO_DATA);
    nla_put_u8(msg, IFLA_BR_MCAST_SNOOPING, 0);
    nla_nest_end(msg, data);
    nla_nest_end(msg, info);
    request(msg, "disable multicast snooping on bridge " + std::to_string(bridge_ifindex));
}

std::optional<LinkInfo> Rtnl::find_link(const std::string& name) {
    rtnl_link* l = nullptr;
    int err = rtnl_link_get_kernel(sock_, 0, name.c_str(), &l);
    if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND) return std::nullopt;
    if (err < 0) throw std::runtime_error("get link " + name + ": " + nl_geterror(err));
    LinkPtr owned(l);
    return to_info(l);
}

std::optional<LinkInfo> Rtnl::find_link(int ifindex) {
    rtnl_link* l = nullptr;
    int err = rtnl_link_get_kernel(sock_, ifindex, nullptr, &l);
    if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND) return std::nullopt;
    if (err < 0) throw std::runtime_error("get link " + std::to_string(ifindex) + ": " + nl_geterror(err));
    LinkPtr owned(l);
    return to_info(l);
}

LinkInfo Rtnl::link(const std::string& name) {
    auto l = find_link(name);
    if (!l) throw std::runtime_error("no link named " + name);
    return *l;
}

LinkInfo Rtnl::link(int ifindex) {
    auto l = find_link(ifindex);
    if (!l) throw std::runtime_error("no link with index " + std::to_string(ifindex));
    return *l;
}

std::vector<LinkInfo> Rtnl::links() {
    nl_cache* raw = nullptr;
    if (int err = rtnl_link_alloc_cache(sock_, AF_UNSPEC, &raw); err < 0)
        throw std::runtime_error(std::string("dump links: ") + nl_geterror(err));
    std::unique_ptr<nl_cache, CachePut> cache(raw);
    std::vector<LinkInfo> out;
    for (nl_object* o = nl_cache_get_first(raw); o; o = nl_cache_get_next(o))
        out.push_back(to_info(reinterpret_cast<rtnl_link*>(o)));
    return out;
}

void Rtnl::add_address(int ifindex, const IpAddress& address, int prefix_length) {
    std::unique_ptr<rtnl_addr, RtAddrPut> a(rtnl_addr_alloc());
    if (!a) throw std::bad_alloc();
    rtnl_addr_set_ifindex(a.get(), ifindex);
    rtnl_addr_set_family(a.get(), address_family(address.family()));
    check_build(rtnl_addr_set_local(a.get(), nl_address(address, prefix_length).get()), "address");
    // No duplicate address detection: the namespace is private, and a tentative address would
    // silently drop the first second of IPv6 probes.
    if (address.family() == Family::ipv6) rtnl_addr_set_flags(a.get(), IFA_F_NODAD);
    nl_msg* msg = nullptr;
    check_build(rtnl_addr_build_add_request(a.get(), NLM_F_CREATE | NLM_F_EXCL, &msg), "address");
    request(msg, "add address " + address.str() + "/" + std::to_string(prefix_length) + " to link " +
                     std::to_string(ifindex));
}

void Rtnl::delete_address(int ifindex, const IpAddress& address, int prefix_length) {
    std::unique_ptr<rtnl_addr, RtAddrPut> a(rtnl_addr_alloc());
    if (!a) throw std::bad_alloc();
    rtnl_addr_set_ifindex(a.get(), ifindex);
    rtnl_addr_set_family(a.get(), address_family(address.family()));
    check_build(rtnl_addr_set_local(a.get(), nl_address(address, prefix_length).get()), "address");
    nl_msg* msg = nullptr;
    check_build(rtnl_addr_build_delete_request(a.get(), 0, &msg), "address");
    request(msg, "delete address " + address.str() + "/" + std::to_string(prefix_length) + " from link " + std::to_string(ifindex));
}

void Rtnl::add_address_text(int ifindex, const std::string& text) {
    const auto slash = text.find('/');
    const IpAddress a = IpAddress::parse(text.substr(0, slash));
    const int len = slash == std::string::npos ? (a.family() == Family::ipv4 ? 32 : 128) : std::stoi(text.substr(slash + 1));
    add_address(ifindex, a, len);
}

void Rtnl::flush_neighbours(const std::function<bool(const IpAddress&, int ifindex)>& which, bool multicast_too) {
    nl_cache* raw = nullptr;
    if (int err = rtnl_neigh_alloc_cache(sock_, &raw); err < 0)
        throw std::runtime_error(std::string("dump neighbours: ") + nl_geterror(err));
    std::unique_ptr<nl_cache, CachePut> cache(raw);
    for (nl_object* o = nl_cache_get_first(raw); o; o = nl_cache_get_next(o)) {
        auto* n = reinterpret_cast<rtnl_neigh*>(o);
        if (rtnl_neigh_get_state(n) & NUD_PERMANENT) continue;
        if ((rtnl_neigh_get_state(n) & NUD_NOARP) && !multicast_too) continue;
        if (which) {
            nl_addr* dst = rtnl_neigh_get_dst(n);
            if (!dst) continue;
            const int family = nl_addr_get_family(dst);
            IpAddress address;
            if (family == AF_INET && nl_addr_get_len(dst) == 4) {
                uint32_t v;
                std::memcpy(&v, nl_addr_get_binary_addr(dst), 4);
                address = IpAddress::v4(ntohl(v));
            } else if (family == AF_INET6 && nl_addr_get_len(dst) == 16) {
                in6_addr v;
                std::memcpy(&v, nl_addr_get_binary_addr(dst), 16);
                address = IpAddress::v6(v);
            } else {
                continue;
            }
            if (!which(address, rtnl_neigh_get_ifindex(n))) continue;
        }
        nl_msg* msg = nullptr;
        check_build(rtnl_neigh_build_delete_request(n, 0, &msg), "delete neighbour");
        std::string extack;
        const int error = transact(msg, &extack);
        if (error && error != ENOENT) throw NetlinkError("delete neighbour", error, extack);
    }
}

std::vector<AddressInfo> Rtnl::addresses() {
    nl_cache* raw = nullptr;
    if (int err = rtnl_addr_alloc_cache(sock_, &raw); err < 0)
        throw std::runtime_error(std::string("dump addresses: ") + nl_geterror(err));
    std::unique_ptr<nl_cache, CachePut> cache(raw);
    std::vector<AddressInfo> out;
    for (nl_object* o = nl_cache_get_first(raw); o; o = nl_cache_get_next(o)) {
        auto* a = reinterpret_cast<rtnl_addr*>(o);
        char buf[128] = {};
        nl_addr2str(rtnl_addr_get_local(a), buf, sizeof buf);
        out.push_back({rtnl_addr_get_ifindex(a), buf, rtnl_addr_get_flags(a)});
    }
    return out;
}

void Rtnl::add_permanent_neighbour(int ifindex, const IpAddress& address, const MacAddress& mac) {
    std::unique_ptr<rtnl_neigh, NeighPut> n(rtnl_neigh_alloc());
    if (!n) throw std::bad_alloc();
    rtnl_neigh_set_ifindex(n.get(), ifindex);
    rtnl_neigh_set_family(n.get(), address_family(address.family()));
    check_build(rtnl_neigh_set_dst(n.get(), nl_address(address).get()), "neighbour");
    rtnl_neigh_set_lladdr(n.get(), nl_address(mac).get());
    rtnl_neigh_set_state(n.get(), NUD_PERMANENT);
    nl_msg* msg = nullptr;
    check_build(rtnl_neigh_build_add_request(n.get(), NLM_F_CREATE | NLM_F_REPLACE, &msg), "neighbour");
    request(msg, "add permanent neighbour " + address.str() + " lladdr " + mac.str());
}

}  // namespace mvc
