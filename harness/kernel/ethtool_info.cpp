// SPDX-License-Identifier: MIT
#include "ethtool_info.hpp"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

#include "error.hpp"
#include "unique_fd.hpp"

namespace mvc {

DriverInfo driver_info(const NetNamespace& ns, const std::string& ifname) {
    return ns.run([&] {
        UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!fd) throw_errno("socket for ethtool");
        ethtool_drvinfo info{};
        info.cmd = ETHTOOL_GDRVINFO;
        ifreq ifr{};
        std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
        ifr.ifr_data = reinterpret_cast<char*>(&info);
        if (::ioctl(fd.get(), SIOCETHTOOL, &ifr) != 0) throw_errno("ETHTOOL_GDRVINFO " + ifname);
        return DriverInfo{info.driver, info.version, info.fw_version, info.bus_info};
    });
}

}  // namespace mvc
