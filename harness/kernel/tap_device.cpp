// SPDX-License-Identifier: MIT
#include "tap_device.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "error.hpp"

namespace mvc {

namespace {

constexpr const char* kScratch = "/tmp";  // a tmpfs of our own is mounted here, in the private mount namespace
constexpr unsigned kTunMajor = 10, kTunMinor = 200;  // Documentation/admin-guide/devices.txt: /dev/net/tun

// Called on a thread inside the target network namespace: from here on the thread has a mount
// namespace of its own, with a sysfs of that network namespace on /sys and an empty tmpfs on /tmp.
void enter_private_mounts() {
    if (::unshare(CLONE_NEWNS) != 0) throw_errno("unshare(CLONE_NEWNS) for a private sysfs");
    // Nothing mounted below may propagate back into the namespace we came from.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw_errno("mount --make-rprivate /");
    if (::mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NOEXEC, nullptr) != 0) throw_errno("mount sysfs on /sys (private)");
    // Device nodes are allowed on this tmpfs: no MS_NODEV.
    if (::mount("mvc-dev", kScratch, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=16k,mode=0700") != 0)
        throw_errno(std::string("mount tmpfs on ") + kScratch + " (private)");
}

UniqueFd open_through_own_node(dev_t device, const std::string& what) {
    const std::string node = std::string(kScratch) + "/node";
    if (::mknod(node.c_str(), S_IFCHR | 0600, device) != 0)
        throw_errno("mknod " + what + " (" + std::to_string(major(device)) + ":" + std::to_string(minor(device)) + ")");
    UniqueFd fd(::open(node.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    const int open_error = errno;
    ::unlink(node.c_str());
    if (!fd) throw_errno("open " + what, open_error);
    return fd;
}

dev_t macvtap_device(const std::string& ifname) {
    const std::filesystem::path dir = "/sys/class/net/" + ifname + "/macvtap";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::ifstream in(entry.path() / "dev");
        unsigned maj = 0, min = 0;
        char colon = 0;
        if (in >> maj >> colon >> min && colon == ':') return makedev(maj, min);
    }
    throw SystemError(dir.string() + " names no tap device", ec ? ec.value() : ENOENT);
}

void set_tap_flags(int fd, const char* name, short flags, const std::string& what) {
    ifreq ifr{};
    if (name) std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    ifr.ifr_flags = flags;
    if (::ioctl(fd, TUNSETIFF, &ifr) != 0) throw_errno("TUNSETIFF " + what);
}

}  // namespace

UniqueFd open_macvtap_queue(const NetNamespace& ns, const std::string& ifname, const TapQueueMode& mode) {
    if (mode.offloads && !mode.vnet_header) throw std::logic_error("TUNSETOFFLOAD without a vnet header announces nothing a guest can use");
    return ns.run([&] {
        enter_private_mounts();
        UniqueFd fd = open_through_own_node(macvtap_device(ifname), "the queue of macvtap " + ifname);
        const short flags = static_cast<short>(IFF_TAP | IFF_NO_PI | (mode.vnet_header ? IFF_VNET_HDR : 0));
        set_tap_flags(fd.get(), nullptr, flags, "macvtap " + ifname + (mode.vnet_header ? " (vnet header)" : " (no vnet header)"));
        if (mode.offloads && ::ioctl(fd.get(), TUNSETOFFLOAD, static_cast<unsigned long>(*mode.offloads)) != 0)
            throw_errno("TUNSETOFFLOAD on macvtap " + ifname);
        return fd;
    });
}

unsigned tap_queue_flags(int queue) {
    ifreq ifr{};
    if (::ioctl(queue, TUNGETIFF, &ifr) != 0) throw_errno("TUNGETIFF on a tap queue");
    return static_cast<unsigned short>(ifr.ifr_flags);
}

dev_t macvtap_device_number(const NetNamespace& ns, const std::string& ifname) {
    return ns.run([&] {
        enter_private_mounts();
        return macvtap_device(ifname);
    });
}

bool char_device_listed(const NetNamespace& ns, dev_t device) {
    return ns.run([&] {
        enter_private_mounts();
        std::error_code ec;
        return std::filesystem::exists("/sys/dev/char/" + std::to_string(major(device)) + ":" + std::to_string(minor(device)), ec);
    });
}

UniqueFd create_tap(const NetNamespace& ns, const std::string& name) {
    return ns.run([&] {
        enter_private_mounts();
        UniqueFd fd = open_through_own_node(makedev(kTunMajor, kTunMinor), "the tun device");
        set_tap_flags(fd.get(), name.c_str(), IFF_TAP | IFF_NO_PI, "create TAP " + name);
        return fd;
    });
}

UniqueFd create_tun(const NetNamespace& ns, const std::string& name) {
    return ns.run([&] {
        enter_private_mounts();
        UniqueFd fd = open_through_own_node(makedev(kTunMajor, kTunMinor), "the tun device");
        set_tap_flags(fd.get(), name.c_str(), IFF_TUN | IFF_NO_PI, "create TUN " + name);
        return fd;
    });
}

}  // namespace mvc
