// SPDX-License-Identifier: MIT
// Offloads and limits: what a slave inherits from its parent. macvlan_fix_features computes a
// slave's features from the lower device's (netdev_increment_features), and macvlan_device_event
// recomputes them on NETDEV_FEAT_CHANGE (netdev_update_features), so a change on the parent
// reaches every slave at once; the limits are copied when the slave is made (macvlan_init:
// netif_inherit_tso_max; macvlan_common_newlink: the MTU range).
#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>

#include "bond_link.hpp"
#include "ethtool_features.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

// The parent a features test puts its slave on: the lab's veth, or a bond of two fresh ports.
class ParentUnderTest : public LabTest, public ::testing::WithParamInterface<std::string> {
protected:
    void prepare() override {
        if (parent_kind() == "bond") {
            if (const auto why = missing_features({&Capabilities::bonding}); !why.empty()) GTEST_SKIP() << why;
            BondSpec spec;
            spec.name = "bond0";
            spec.mac = MacAddress::local(0x42, 1);
            parent = create_bond(*lab->host_nl, spec);
            for (int i = 0; i < 2; ++i) {
                const std::string name = "port" + std::to_string(i);
                const int port = lab->host_nl->create_veth(name, MacAddress::local(0x42, static_cast<uint8_t>(2 + i)), name + "p",
                                                           MacAddress::local(0x42, static_cast<uint8_t>(4 + i)), lab->ext);
                lab->host_nl->set_master(port, parent);
            }
        } else {
            parent = lab->parent;
        }
        parent_name = lab->host_nl->link(parent).name;
        MacvlanSpec spec;
        spec.name = "mv1";
        spec.lower_ifindex = parent;  // the parent under test (VethLab::add_slave would use the lab's veth)
        spec.mode = MacvlanMode::bridge;
        spec.mac = VethLab::slave_mac(1);
        create_macvlan(*lab->host_nl, spec);
        slave = lab->host_nl->link("mv1").ifindex;
        if (lab->host_nl->link(slave).lower_ifindex != parent) throw std::logic_error("mv1 is not on the parent under test");
    }
    std::string parent_kind() const {
        const auto& p = GetParam();
        return p.substr(0, p.find(':'));
    }
    bool active(const std::string& ifname, const std::string& feature) { return device_features(lab->host, ifname).at(feature).active; }
    // For a failure message: the feature on parent and slave (active, requested, changeable).
    std::string both(const std::string& feature) {
        auto show = [&](const std::string& ifname) {
            const auto f = device_features(lab->host, ifname).at(feature);
            return ifname + " active " + (f.active ? "on" : "off") + ", requested " + (f.requested ? "on" : "off") + ", " +
                   (f.available ? "changeable" : "fixed");
        };
        // Whether the slave's own recomputation (__netdev_update_features through ETHTOOL_SFEATURES,
        // requesting what it already requests) says otherwise: it tells a notification that did not
        // arrive from a computation that keeps the value.
        const bool requested = device_features(lab->host, "mv1").at(feature).requested;
        std::string recomputed;
        try {
            set_device_feature(lab->host, "mv1", feature, requested);
            recomputed = std::string("; after the slave recomputes its features: ") + (active("mv1", feature) ? "on" : "off");
        } catch (const std::exception& e) {
            recomputed = std::string("; the slave cannot recompute: ") + e.what();
        }
        return " [" + show(parent_name) + "; " + show("mv1") + recomputed + "]";
    }

    int parent = 0;
    std::string parent_name;
    int slave = 0;
};

// One feature, and what the slave does when the parent turns it off.
struct FeatureRow {
    const char* feature;
    bool follows;  // false: the slave keeps it on
};

// Parameter "parent:feature".
FeatureRow row_of(const std::string& param) {
    const auto feature = param.substr(param.find(':') + 1);
    // rx-vlan-filter, rx-gro (GRO) and tx-generic-segmentation (GSO) are in MACVLAN_FEATURES
    // but not in NETIF_F_ONE_FOR_ALL, so netdev_increment_features leaves them as the lower device
    // has them. TSO is in ALWAYS_ON_OFFLOADS (NETIF_F_GSO_SOFTWARE): the slave keeps it and the
    // parent segments in software (validate_xmit_skb).
    if (feature == "tx-tcp-segmentation") return {"tx-tcp-segmentation", false};
    if (feature == "rx-vlan-filter") return {"rx-vlan-filter", true};
    if (feature == "rx-gro") return {"rx-gro", true};
    return {"tx-generic-segmentation", true};
}

using Features = ParentUnderTest;

TEST_P(Features, SlaveFollowsWhenTheParentTurnsItOffAndOn) {
    const FeatureRow row = row_of(GetParam());
    const auto parent_features = device_features(lab->host, parent_name);
    const auto it = parent_features.find(row.feature);
    if (it == parent_features.end()) FAIL() << "no feature named " << row.feature << " in the kernel's netdev_features_strings";
    if (!it->second.available || it->second.never_changed)
        GTEST_SKIP() << parent_name << " (" << parent_kind() << ") cannot change " << row.feature
                     << ": it is not in the driver's hw_features, so there is no change to follow";
    set_device_feature(lab->host, parent_name, row.feature, true);
    ASSERT_TRUE(active(parent_name, row.feature));
    ASSERT_TRUE(active("mv1", row.feature)) << "the slave lacks " << row.feature << " while its parent has it" << both(row.feature);

    set_device_feature(lab->host, parent_name, row.feature, false);
    ASSERT_FALSE(active(parent_name, row.feature)) << "the parent kept " << row.feature;
    if (row.follows)
        EXPECT_FALSE(active("mv1", row.feature)) << row.feature << " stayed on the slave after the parent turned it off "
                                                 << "(NETDEV_FEAT_CHANGE -> macvlan_fix_features)" << both(row.feature);
    else
        EXPECT_TRUE(active("mv1", row.feature)) << row.feature << " went off on the slave with its parent, but it is one "
                                                << "of macvlan's ALWAYS_ON_OFFLOADS" << both(row.feature);
    set_device_feature(lab->host, parent_name, row.feature, true);
    EXPECT_TRUE(active("mv1", row.feature)) << row.feature << " did not come back on the slave with the parent's" << both(row.feature);
}

INSTANTIATE_TEST_SUITE_P(Parents, Features,
                         ::testing::Values("veth:tx-tcp-segmentation", "veth:tx-generic-segmentation", "veth:rx-gro",
                                           "veth:rx-vlan-filter", "bond:tx-tcp-segmentation", "bond:tx-generic-segmentation",
                                           "bond:rx-gro", "bond:rx-vlan-filter"),
                         [](const auto& info) {
                             std::string name = info.param;
                             for (char& c : name)
                                 if (c == ':' || c == '-') c = '_';
                             return name;
                         });

// The link attributes a limits test compares.
struct Limits {
    std::optional<uint32_t> tso_max_size, tso_max_segs, min_mtu, max_mtu;
};

Limits limits_of(Rtnl& rtnl, int ifindex) {
    auto reply = rtnl.link_message(ifindex);
    auto* hdr = reinterpret_cast<nlmsghdr*>(reply.data());
    nlattr* tb[IFLA_MAX + 1] = {};
    if (nlmsg_parse(hdr, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0) throw std::runtime_error("malformed RTM_NEWLINK");
    Limits l;
    auto get = [&](int attr, std::optional<uint32_t>& out) {
        if (tb[attr]) out = nla_get_u32(tb[attr]);
    };
    get(IFLA_TSO_MAX_SIZE, l.tso_max_size);
    get(IFLA_TSO_MAX_SEGS, l.tso_max_segs);
    get(IFLA_MIN_MTU, l.min_mtu);
    get(IFLA_MAX_MTU, l.max_mtu);
    return l;
}

using FeaturesLimits = ParentUnderTest;

// macvlan_init: netif_inherit_tso_max(dev, lowerdev); macvlan_common_newlink: "MTU range: 68 -
// lowerdev->max_mtu" (min_mtu = ETH_MIN_MTU, max_mtu = the lower device's).
TEST_P(FeaturesLimits, TsoMaxAndMtuRangeComeFromTheParent) {
    const Limits p = limits_of(*lab->host_nl, parent);
    const Limits s = limits_of(*lab->host_nl, slave);
    if (!p.tso_max_size) GTEST_SKIP() << "needs IFLA_TSO_MAX_SIZE: the kernel predates 5.19";
    EXPECT_EQ(s.tso_max_size, p.tso_max_size) << "IFLA_TSO_MAX_SIZE";
    EXPECT_EQ(s.tso_max_segs, p.tso_max_segs) << "IFLA_TSO_MAX_SEGS";
    EXPECT_EQ(s.min_mtu, std::optional<uint32_t>(68)) << "IFLA_MIN_MTU: ETH_MIN_MTU";
    EXPECT_EQ(s.max_mtu, p.max_mtu) << "IFLA_MAX_MTU: the parent's max_mtu";
}

INSTANTIATE_TEST_SUITE_P(Parents, FeaturesLimits, ::testing::Values("veth", "bond"), [](const auto& info) { return info.param; });

}  // namespace
}  // namespace mvc
