// SPDX-License-Identifier: MIT
// Refusals about parents and about attributes a request must not carry, each with its exact errno,
// as LinkErrors asserts the rest.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>

#include "bond_link.hpp"
#include "errno_assertions.hpp"
#include "tap_device.hpp"
#include "team_link.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

// A macvlan creation request built attribute by attribute, so a test can add what create_macvlan
// would never send.
class RawMacvlanRequest {
public:
    RawMacvlanRequest(const std::string& name, int lower, MacvlanMode mode) : msg_(nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL)) {
        if (!msg_) throw std::bad_alloc();
        ifinfomsg ifi{};
        nlmsg_append(msg_, &ifi, sizeof ifi, NLMSG_ALIGNTO);
        nla_put_string(msg_, IFLA_IFNAME, name.c_str());
        nla_put_u32(msg_, IFLA_LINK, static_cast<uint32_t>(lower));
        info_ = nla_nest_start(msg_, IFLA_LINKINFO);
        nla_put_string(msg_, IFLA_INFO_KIND, "macvlan");
        data_ = nla_nest_start(msg_, IFLA_INFO_DATA);
        nla_put_u32(msg_, IFLA_MACVLAN_MODE, static_cast<uint32_t>(mode));
    }
    ~RawMacvlanRequest() {
        if (msg_) nlmsg_free(msg_);
    }
    nl_msg* msg() { return msg_; }
    // Sends it (the request owns nothing afterwards); throws NetlinkError on refusal.
    void send(Rtnl& rtnl, const std::string& what) {
        nla_nest_end(msg_, data_);
        nla_nest_end(msg_, info_);
        nl_msg* m = msg_;
        msg_ = nullptr;
        rtnl.request(m, what);
    }

private:
    nl_msg* msg_;
    nlattr* info_;
    nlattr* data_;
};

class ParentRefusals : public LabTest {
protected:
    MacvlanSpec slave_of(int lower, const std::string& name = "mv1") {
        MacvlanSpec s;
        s.name = name;
        s.lower_ifindex = lower;
        s.mode = MacvlanMode::bridge;
        s.mac = VethLab::slave_mac(1);
        return s;
    }
    // A fresh veth port, down (bond_enslave and team_port_add take only ports that are down).
    int spare_port(const std::string& name) {
        return lab->host_nl->create_veth(name, MacAddress::local(0x40, 1), name + "p", MacAddress::local(0x40, 2), lab->ext);
    }
};

// macvlan_port_create -> netdev_rx_handler_register: a bond port's rx handler is bond_handle_frame.
TEST_F(ParentRefusals, BondPortAsParentIsEBUSY) {
    MVC_REQUIRE(&Capabilities::bonding);
    BondSpec spec;
    spec.name = "bond0";
    spec.mac = MacAddress::local(0x41, 1);
    const int bond = create_bond(*lab->host_nl, spec);
    const int port = spare_port("port0");
    lab->host_nl->set_master(port, bond);
    expect_netlink_errno(EBUSY, [&] { create_macvlan(*lab->host_nl, slave_of(port)); });
    create_macvlan(*lab->host_nl, slave_of(bond));  // the bond itself is a fine parent
}

// The same for a team port, whose rx handler is team_handle_frame.
TEST_F(ParentRefusals, TeamPortAsParentIsEBUSY) {
    MVC_REQUIRE(&Capabilities::team);
    const int team = create_team(*lab->host_nl, "team0", MacAddress::local(0x41, 2));
    TeamControl(lab->host).set_runner(team, TeamRunner::activebackup);
    const int port = spare_port("port0");
    lab->host_nl->set_master(port, team);
    expect_netlink_errno(EBUSY, [&] { create_macvlan(*lab->host_nl, slave_of(port)); });
    create_macvlan(*lab->host_nl, slave_of(team));
}

// macvlan_port_create: "if (dev->type != ARPHRD_ETHER || dev->flags & IFF_LOOPBACK) return -EINVAL".
// A TUN interface in layer-3 mode is ARPHRD_NONE.
TEST_F(ParentRefusals, TunInLayer3ModeAsParentIsEINVAL) {
    UniqueFd tun;
    try {
        tun = create_tun(lab->host, "tun0");
    } catch (const SystemError& e) {
        GTEST_SKIP() << "needs tun: " << e.what() << " (no tun driver, or no CAP_MKNOD for a private /dev/net/tun)";
    }
    expect_netlink_errno(EINVAL, [&] { create_macvlan(*lab->host_nl, slave_of(lab->host_nl->link("tun0").ifindex)); });
}

// An IPIP tunnel is ARPHRD_TUNNEL: the same check in macvlan_port_create.
TEST_F(ParentRefusals, IpipTunnelAsParentIsEINVAL) {
    nl_msg* msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    ifinfomsg ifi{};
    nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    nla_put_string(msg, IFLA_IFNAME, "ipip0");
    nlattr* info = nla_nest_start(msg, IFLA_LINKINFO);
    nla_put_string(msg, IFLA_INFO_KIND, "ipip");
    // A remote of its own: without one it would be the fallback tunnel tunl0 again (EEXIST).
    nlattr* data = nla_nest_start(msg, IFLA_INFO_DATA);
    nla_put_u32(msg, IFLA_IPTUN_REMOTE, htonl(0xc0000263));  // 192.0.2.99
    nla_nest_end(msg, data);
    nla_nest_end(msg, info);
    std::string extack;
    if (const int error = lab->host_nl->transact(msg, &extack); error == EOPNOTSUPP)
        GTEST_SKIP() << "needs ipip: RTM_NEWLINK kind 'ipip' returned EOPNOTSUPP (no ipip module)";
    else
        ASSERT_EQ(error, 0) << "creating an ipip tunnel: " << errno_name(error) << " " << extack;
    expect_netlink_errno(EINVAL, [&] { create_macvlan(*lab->host_nl, slave_of(lab->host_nl->link("ipip0").ifindex)); });
}

// A bond takes the type of its first port (bond_setup_by_slave), asking NETDEV_PRE_TYPE_CHANGE
// first; macvlan_device_event answers NOTIFY_BAD for a device with a macvlan port, and bond_enslave
// turns any refusal into EBUSY ("refused to change device type"). The bond stays Ethernet, with
// its slave.
TEST_F(ParentRefusals, TypeChangeOfABondWithMacvlansIsEBUSY) {
    MVC_REQUIRE(&Capabilities::bonding);
    BondSpec spec;
    spec.name = "bond0";
    spec.mac = MacAddress::local(0x41, 1);
    const int bond = create_bond(*lab->host_nl, spec);
    create_macvlan(*lab->host_nl, slave_of(bond));
    UniqueFd tun;
    try {
        tun = create_tun(lab->host, "tun0");
    } catch (const SystemError& e) {
        GTEST_SKIP() << "needs tun (a port of another type): " << e.what();
    }
    expect_netlink_errno(EBUSY, [&] { lab->host_nl->set_master(lab->host_nl->link("tun0").ifindex, bond); });
    EXPECT_EQ(lab->host_nl->link("mv1").lower_ifindex, bond) << "the macvlan lost its parent";
}

// team_dev_type_check_change asks the same question but returns the notifier's answer as is:
// notifier_to_errno(NOTIFY_BAD) is EPERM.
TEST_F(ParentRefusals, TypeChangeOfATeamWithMacvlansIsEPERM) {
    MVC_REQUIRE(&Capabilities::team);
    const int team = create_team(*lab->host_nl, "team0", MacAddress::local(0x41, 2));
    TeamControl(lab->host).set_runner(team, TeamRunner::activebackup);
    create_macvlan(*lab->host_nl, slave_of(team));
    UniqueFd tun;
    try {
        tun = create_tun(lab->host, "tun0");
    } catch (const SystemError& e) {
        GTEST_SKIP() << "needs tun (a port of another type): " << e.what();
    }
    expect_netlink_errno(EPERM, [&] { lab->host_nl->set_master(lab->host_nl->link("tun0").ifindex, team); });
}

// macvlan_validate: "if (data[IFLA_MACVLAN_MACADDR_COUNT]) return -EINVAL": the count is reported,
// never taken.
TEST_F(ParentRefusals, MacaddrCountInARequestIsEINVAL) {
    RawMacvlanRequest r("mv1", lab->parent, MacvlanMode::source);
    nla_put_u32(r.msg(), IFLA_MACVLAN_MACADDR_COUNT, 1);
    expect_netlink_errno(EINVAL, [&] { r.send(*lab->host_nl, "macvlan with IFLA_MACVLAN_MACADDR_COUNT"); });
}

// macvlan_policy: IFLA_MACVLAN_BC_QUEUE_LEN_USED is NLA_REJECT (it reports the port's queue).
TEST_F(ParentRefusals, BcQueueLenUsedInARequestIsEINVAL) {
    MVC_REQUIRE(&Capabilities::bc_queue_len);
    RawMacvlanRequest r("mv1", lab->parent, MacvlanMode::bridge);
    nla_put_u32(r.msg(), IFLA_MACVLAN_BC_QUEUE_LEN_USED, 100);
    expect_netlink_errno(EINVAL, [&] { r.send(*lab->host_nl, "macvlan with IFLA_MACVLAN_BC_QUEUE_LEN_USED"); });
}

// macvlan_validate: a source-mode MACADDR (alone or in MACADDR_DATA) must be ETH_ALEN long
// (EINVAL) and a valid unicast address, is_valid_ether_addr (EADDRNOTAVAIL).
struct SourceMacCase {
    const char* name;
    std::vector<uint8_t> address;
    bool in_list;
    int expected;
};

class SourceMacRefusals : public ParentRefusals, public ::testing::WithParamInterface<SourceMacCase> {};

TEST_P(SourceMacRefusals, IsRefused) {
    const auto& c = GetParam();
    RawMacvlanRequest r("mv1", lab->parent, MacvlanMode::source);
    nla_put_u32(r.msg(), IFLA_MACVLAN_MACADDR_MODE, static_cast<uint32_t>(MacaddrMode::set));
    if (c.in_list) {
        nlattr* list = nla_nest_start(r.msg(), IFLA_MACVLAN_MACADDR_DATA);
        nla_put(r.msg(), IFLA_MACVLAN_MACADDR, static_cast<int>(c.address.size()), c.address.data());
        nla_nest_end(r.msg(), list);
    } else {
        nla_put(r.msg(), IFLA_MACVLAN_MACADDR, static_cast<int>(c.address.size()), c.address.data());
    }
    expect_netlink_errno(c.expected, [&] { r.send(*lab->host_nl, std::string("source macvlan: ") + c.name); });
}

INSTANTIATE_TEST_SUITE_P(
    ParentRefusals, SourceMacRefusals,
    ::testing::Values(SourceMacCase{"MacaddrOfFiveBytesIsEINVAL", {0x02, 0, 0, 0, 1}, false, EINVAL},
                      SourceMacCase{"MacaddrOfSevenBytesIsEINVAL", {0x02, 0, 0, 0, 0, 1, 7}, false, EINVAL},
                      SourceMacCase{"MulticastMacaddrIsEADDRNOTAVAIL", {0x01, 0, 0x5e, 0, 0, 1}, false, EADDRNOTAVAIL},
                      SourceMacCase{"ZeroMacaddrIsEADDRNOTAVAIL", {0, 0, 0, 0, 0, 0}, false, EADDRNOTAVAIL},
                      SourceMacCase{"ListedMacaddrOfFiveBytesIsEINVAL", {0x02, 0, 0, 0, 1}, true, EINVAL},
                      SourceMacCase{"ListedMulticastMacaddrIsEADDRNOTAVAIL", {0x33, 0x33, 0, 0, 0, 1}, true, EADDRNOTAVAIL}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace mvc
