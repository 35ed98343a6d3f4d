// SPDX-License-Identifier: MIT
// macvtap's own device, beside the VM endpoints of the reachability matrices (macvtap.*): the
// character device a guest's queue is opened through follows its interface and goes with it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <string>

#include "error.hpp"
#include "tap_device.hpp"
#include "veth_lab.hpp"

namespace mvc {
namespace {

std::string name(dev_t device) { return std::to_string(major(device)) + ":" + std::to_string(minor(device)); }

class MacvtapDevice : public LabTest {
protected:
    FeatureList needs() const override { return {&Capabilities::macvtap}; }

    int add_macvtap(const std::string& name) {
        MacvlanSpec spec;
        spec.kind = "macvtap";
        spec.name = name;
        spec.lower_ifindex = lab->parent;
        spec.mode = MacvlanMode::bridge;
        spec.mac = VethLab::slave_mac(1);
        create_macvlan(*lab->host_nl, spec);
        return lab->host_nl->link(name).ifindex;
    }
};

// macvtap_device_event NETDEV_REGISTER creates tap<ifindex> under the interface's own device, so it
// moves with the interface (dev_change_net_namespace re-registers it: NETDEV_UNREGISTER, then
// NETDEV_REGISTER in the new namespace), and an open queue keeps working across the move.
TEST_F(MacvtapDevice, FollowsItsInterfaceThroughANamespaceMove) {
    const int tap = add_macvtap("mvtap0");
    ASSERT_NO_THROW(macvtap_device_number(lab->host, "mvtap0"));
    const NetNamespace target = NetNamespace::create();
    Rtnl target_nl(target);
    lab->host_nl->move_to(tap, target);
    try {
        macvtap_device_number(lab->host, "mvtap0");
        ADD_FAILURE() << "the host namespace's sysfs still shows mvtap0's tap device after the move";
    } catch (const SystemError& e) {
        EXPECT_EQ(e.error(), ENOENT) << e.what();
    }
    dev_t moved = 0;
    ASSERT_NO_THROW(moved = macvtap_device_number(target, "mvtap0")) << "the tap device did not follow its interface";
    EXPECT_TRUE(char_device_listed(target, moved)) << name(moved) << " is not in the new namespace's /sys/dev/char";
    EXPECT_NO_THROW(open_macvtap_queue(target, "mvtap0")) << "the moved macvtap's queue cannot be opened";
}

// macvtap_device_event NETDEV_UNREGISTER destroys the device and frees its minor: deleting the
// interface leaves no character device behind, also while a queue is still open.
TEST_F(MacvtapDevice, DisappearsWithItsInterface) {
    const int tap = add_macvtap("mvtap0");
    const dev_t device = macvtap_device_number(lab->host, "mvtap0");
    const UniqueFd queue = open_macvtap_queue(lab->host, "mvtap0");
    ASSERT_TRUE(char_device_listed(lab->host, device)) << name(device);
    lab->host_nl->delete_link(tap);
    EXPECT_FALSE(char_device_listed(lab->host, device)) << "character device " << name(device) << " outlived its interface";
}

}  // namespace
}  // namespace mvc
