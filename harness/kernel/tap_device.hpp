// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "net_namespace.hpp"
#include "unique_fd.hpp"

namespace mvc {

// The character devices behind a macvtap and a TAP, opened through device nodes of the harness's
// own. Each open runs on a thread that has entered `ns` and then a private mount namespace
// (unshare(CLONE_NEWNS)): a fresh sysfs mounted there shows `ns`'s interfaces (sysfs shows the
// network namespace of whoever mounts it), and a fresh tmpfs holds the node. The node is unlinked
// right after open(); the tmpfs and the mount namespace die with the thread, so nothing is left in
// /dev or anywhere else, also when the process is SIGKILLed between mknod and unlink.
//
// Both throw SystemError with the errno: mknod needs CAP_MKNOD in the initial user namespace, so a
// rootless run fails here with EPERM (the capability probe turns that into a skip reason).

// How a queue speaks. By default it is a bare Ethernet pipe: each read or write is one frame
// (tap_open sets IFF_VNET_HDR; TUNSETIFF with IFF_TAP | IFF_NO_PI clears it, tap_ioctl). With
// `vnet_header` it speaks as QEMU does for virtio-net: every frame read or written is preceded by a
// struct virtio_net_hdr (tap_get_user, tap_put_user), and, if `offloads` is set, TUNSETOFFLOAD
// announces which TUN_F_* offloads the guest takes (set_offload; it sets tap_features for the whole
// device, so the last queue to announce decides).
struct TapQueueMode {
    bool vnet_header = false;
    std::optional<unsigned> offloads{};  // TUN_F_CSUM, TUN_F_TSO4, ...; only with vnet_header
};

// Opens a queue of macvtap `ifname` in `ns` (its /sys/class/net/<if>/macvtap/tap<N>/dev gives
// major:minor), non-blocking. Every open is one more queue (tap_set_queue).
UniqueFd open_macvtap_queue(const NetNamespace& ns, const std::string& ifname, const TapQueueMode& mode = {});

// The flags the kernel keeps for an open queue (TUNGETIFF: IFF_TAP, IFF_NO_PI, IFF_VNET_HDR, ...),
// as tap_ioctl reports them: what a queue really speaks, whatever it was asked to.
unsigned tap_queue_flags(int queue);

// The character device (major:minor) of macvtap `ifname` in `ns`, read from that namespace's sysfs.
dev_t macvtap_device_number(const NetNamespace& ns, const std::string& ifname);

// Whether `ns`'s sysfs lists character device `device` (/sys/dev/char/M:m; the entry of a device
// under a namespaced interface shows only in that namespace's sysfs).
bool char_device_listed(const NetNamespace& ns, dev_t device);

// Creates TAP interface `name` in `ns` (IFF_TAP | IFF_NO_PI, not persistent: it goes when the
// returned descriptor closes) and returns the descriptor, non-blocking. /dev/net/tun is 10:200.
UniqueFd create_tap(const NetNamespace& ns, const std::string& name);
// The same for a TUN interface (IFF_TUN: layer 3, ARPHRD_NONE, no Ethernet header at all).
UniqueFd create_tun(const NetNamespace& ns, const std::string& name);

}  // namespace mvc
