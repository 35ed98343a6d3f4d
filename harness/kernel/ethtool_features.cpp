// SPDX-License-Identifier: MIT
#include "ethtool_features.hpp"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "error.hpp"
#include "unique_fd.hpp"

namespace mvc {

namespace {

void ethtool(int fd, const std::string& ifname, void* data, const std::string& what) {
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    ifr.ifr_data = static_cast<char*>(data);
    if (::ioctl(fd, SIOCETHTOOL, &ifr) < 0) throw_errno(what + " " + ifname);
}

// The feature names, in bit order.
std::vector<std::string> feature_names(int fd, const std::string& ifname) {
    std::vector<uint8_t> info_buffer(sizeof(ethtool_sset_info) + sizeof(uint32_t));
    auto* info = reinterpret_cast<ethtool_sset_info*>(info_buffer.data());
    info->cmd = ETHTOOL_GSSET_INFO;
    info->sset_mask = 1ull << ETH_SS_FEATURES;
    ethtool(fd, ifname, info, "ETHTOOL_GSSET_INFO");
    uint32_t count = 0;
    std::memcpy(&count, info_buffer.data() + sizeof(ethtool_sset_info), sizeof count);
    std::vector<uint8_t> strings_buffer(sizeof(ethtool_gstrings) + static_cast<size_t>(count) * ETH_GSTRING_LEN);
    auto* strings = reinterpret_cast<ethtool_gstrings*>(strings_buffer.data());
    strings->cmd = ETHTOOL_GSTRINGS;
    strings->string_set = ETH_SS_FEATURES;
    strings->len = count;
    ethtool(fd, ifname, strings, "ETHTOOL_GSTRINGS");
    std::vector<std::string> out;
    for (uint32_t i = 0; i < count; ++i) {
        const char* s = reinterpret_cast<const char*>(strings_buffer.data() + sizeof(ethtool_gstrings) + i * ETH_GSTRING_LEN);
        out.emplace_back(s, strnlen(s, ETH_GSTRING_LEN));
    }
    return out;
}

UniqueFd ethtool_socket() {
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("socket for ethtool");
    return fd;
}

}  // namespace

std::map<std::string, DeviceFeature> device_features(const NetNamespace& ns, const std::string& ifname) {
    return ns.run([&] {
        const UniqueFd fd = ethtool_socket();
        const auto names = feature_names(fd.get(), ifname);
        const size_t blocks = (names.size() + 31) / 32;
        std::vector<uint8_t> buffer(sizeof(ethtool_gfeatures) + blocks * sizeof(ethtool_get_features_block));
        auto* g = reinterpret_cast<ethtool_gfeatures*>(buffer.data());
        g->cmd = ETHTOOL_GFEATURES;
        g->size = static_cast<uint32_t>(blocks);
        ethtool(fd.get(), ifname, g, "ETHTOOL_GFEATURES");
        std::map<std::string, DeviceFeature> out;
        for (size_t i = 0; i < names.size(); ++i) {
            if (names[i].empty()) continue;
            ethtool_get_features_block b{};
            std::memcpy(&b, buffer.data() + sizeof(ethtool_gfeatures) + (i / 32) * sizeof b, sizeof b);
            const uint32_t bit = 1u << (i % 32);
            out[names[i]] = {(b.available & bit) != 0, (b.requested & bit) != 0, (b.active & bit) != 0, (b.never_changed & bit) != 0};
        }
        return out;
    });
}

void set_device_feature(const NetNamespace& ns, const std::string& ifname, const std::string& feature, bool on) {
    ns.run([&] {
        const UniqueFd fd = ethtool_socket();
        const auto names = feature_names(fd.get(), ifname);
        size_t index = names.size();
        for (size_t i = 0; i < names.size(); ++i)
            if (names[i] == feature) index = i;
        if (index == names.size()) throw std::invalid_argument(ifname + " has no feature named " + feature);
        const size_t blocks = (names.size() + 31) / 32;
        std::vector<uint8_t> buffer(sizeof(ethtool_sfeatures) + blocks * sizeof(ethtool_set_features_block));
        auto* s = reinterpret_cast<ethtool_sfeatures*>(buffer.data());
        s->cmd = ETHTOOL_SFEATURES;
        s->size = static_cast<uint32_t>(blocks);
        ethtool_set_features_block b{};
        b.valid = 1u << (index % 32);
        b.requested = on ? b.valid : 0;
        std::memcpy(buffer.data() + sizeof(ethtool_sfeatures) + (index / 32) * sizeof b, &b, sizeof b);
        // A positive return says some request could not be met exactly (ETHTOOL_F_WISH); the
        // caller reads the features back, which is the truth either way.
        ethtool(fd.get(), ifname, s, "ETHTOOL_SFEATURES " + feature);
    });
}

}  // namespace mvc
