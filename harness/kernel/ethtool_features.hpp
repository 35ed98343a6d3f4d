// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <string>

#include "net_namespace.hpp"

namespace mvc {

// One netdev feature as `ethtool -k` shows it, by the kernel's own name (netdev_features_strings:
// "tx-tcp-segmentation", "rx-vlan-filter", ...).
struct DeviceFeature {
    bool available = false;  // the driver lets it be changed (hw_features)
    bool requested = false;  // wanted_features
    bool active = false;     // features: what the device does now
    bool never_changed = false;  // NETIF_F_NEVER_CHANGE: fixed for every device
};

// Read and changed through the SIOCETHTOOL ioctl (ETHTOOL_GSSET_INFO/GSTRINGS for the names,
// ETHTOOL_GFEATURES, ETHTOOL_SFEATURES). The kernel's ethtool generic netlink family would do too,
// but Debian ships no C or C++ library for it (libnl has no ethtool helpers; only Go and Python
// wrap it), and its bitsets would need a parser of their own; the ioctl is stable and what
// `ethtool -k/-K` itself falls back to. Both throw SystemError with the errno.
std::map<std::string, DeviceFeature> device_features(const NetNamespace& ns, const std::string& ifname);
void set_device_feature(const NetNamespace& ns, const std::string& ifname, const std::string& feature, bool on);

}  // namespace mvc
