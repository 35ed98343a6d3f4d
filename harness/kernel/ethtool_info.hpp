// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "net_namespace.hpp"

namespace mvc {

// ETHTOOL_GDRVINFO: which driver runs an interface, with its version, firmware and bus, as
// `ethtool -i` shows them. For a NIC vendor's report this names what was certified.
struct DriverInfo {
    std::string driver, version, firmware, bus;
};

DriverInfo driver_info(const NetNamespace& ns, const std::string& ifname);  // throws SystemError

}  // namespace mvc
