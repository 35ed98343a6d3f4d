// SPDX-License-Identifier: MIT
#include "guest_relay.hpp"

#include <linux/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "error.hpp"
#include "probe_defaults.hpp"

namespace mvc {

namespace {

// Whether a frame the guest sends announces a change of its multicast list: an MLD report or done
// (IPv6 with a hop-by-hop header first: MLD carries the router alert, RFC 3810) or an IGMP message
// (IPv4 protocol 2), to a multicast MAC. A Linux guest sends one on every join and leave it
// reports (igmp6_join_group, ip_mc_inc_group), so the relay mirrors then, as libvirt does on QEMU's
// NIC_RX_FILTER_CHANGED event.
bool announces_membership(const unsigned char* f, size_t n) {
    if (n < 34 || !(f[0] & 1)) return false;
    const unsigned ethertype = f[12] << 8 | f[13];
    if (ethertype == 0x86dd) return n >= 54 && f[20] == 0;  // next header: hop-by-hop options
    return ethertype == 0x0800 && f[23] == 2;                // IPPROTO_IGMP
}

// Moves what `from` holds now to `to`, one frame per read (both fds carry bare Ethernet frames: no
// packet information, no vnet header). A frame the other side refuses (a full queue) is lost, as
// on a congested link; the probes' retransmissions cover it. Returns whether a frame announced a
// multicast membership change.
bool forward(int from, int to, std::vector<unsigned char>& buffer) {
    bool announced = false;
    for (int i = 0; i < 256; ++i) {
        const ssize_t n = ::read(from, buffer.data(), buffer.size());
        if (n <= 0) break;  // EAGAIN: drained
        announced = announced || announces_membership(buffer.data(), static_cast<size_t>(n));
        (void)!::write(to, buffer.data(), static_cast<size_t>(n));
    }
    return announced;
}

// The link-layer multicast addresses of `ifname` in the calling thread's namespace
// (/proc/net/dev_mcast: ifindex, name, users, global users, the address in hex).
std::set<std::array<uint8_t, 6>> multicast_list(const std::string& ifname) {
    std::set<std::array<uint8_t, 6>> out;
    std::ifstream in("/proc/thread-self/net/dev_mcast");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string index, name, users, global, hex;
        if (!(fields >> index >> name >> users >> global >> hex) || name != ifname || hex.size() != 12) continue;
        std::array<uint8_t, 6> mac{};
        for (size_t i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
        out.insert(mac);
    }
    return out;
}

bool change_multicast(int control_socket, const std::string& ifname, const std::array<uint8_t, 6>& mac, bool add) {
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    ifr.ifr_hwaddr.sa_family = AF_UNSPEC;
    std::memcpy(ifr.ifr_hwaddr.sa_data, mac.data(), mac.size());
    return ::ioctl(control_socket, add ? SIOCADDMULTI : SIOCDELMULTI, &ifr) == 0;
}

}  // namespace

GuestRelay::GuestRelay(const NetNamespace& ns, std::string macvtap, std::string guest, UniqueFd queue, UniqueFd tap)
    : ns_(ns.clone()),
      macvtap_(std::move(macvtap)),
      guest_(std::move(guest)),
      queue_(std::move(queue)),
      tap_(std::move(tap)),
      wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!wake_) throw_errno("eventfd for the guest relay");
    thread_ = std::thread([this] { run(); });
}

GuestRelay::~GuestRelay() {
    stop_ = true;
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
    thread_.join();
}

void GuestRelay::sync_filter() {
    ns_.run([this] {
        const UniqueFd control(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!control) throw_errno("a control socket in the guest's namespace");
        // A group the macvtap refused must not pass for one its filter holds.
        if (const int error = mirror_multicast(control.get()))
            throw SystemError("passing the guest's multicast list to " + macvtap_ + " (SIOCADDMULTI/SIOCDELMULTI)", error);
    });
}

int GuestRelay::mirror_multicast(int control_socket) {
    const std::lock_guard lock(mirror_mutex_);
    const auto wanted = multicast_list(guest_);
    int error = 0;
    for (auto it = mirrored_.begin(); it != mirrored_.end();)
        if (wanted.count(*it)) ++it;
        else if (change_multicast(control_socket, macvtap_, *it, false)) it = mirrored_.erase(it);
        else error = errno, ++it;
    for (const auto& mac : wanted) {
        if (mirrored_.count(mac)) continue;
        if (change_multicast(control_socket, macvtap_, mac, true)) mirrored_.insert(mac);
        else error = errno;
    }
    return error;
}

void GuestRelay::run() {
    int control = -1;
    try {
        ns_.enter();  // this thread only: /proc/thread-self/net and the ioctls are the guest's namespace
        control = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    } catch (const std::exception&) {
    }
    const UniqueFd control_fd(control);  // without it the filter is not mirrored; frames still move
    std::vector<unsigned char> buffer(65536 + 64);  // the largest frame either side can hand over
    using Clock = std::chrono::steady_clock;
    auto next_sync = Clock::now();
    while (!stop_) {
        if (control_fd && Clock::now() >= next_sync) {
            mirror_multicast(control_fd.get());
            next_sync = Clock::now() + defaults::kGuestFilterResync;
        }
        pollfd fds[] = {{queue_.get(), POLLIN, 0}, {tap_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_sync - Clock::now());
        if (::poll(fds, 3, static_cast<int>(std::max<int64_t>(wait.count(), 0))) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL) || fds[1].revents & (POLLERR | POLLHUP | POLLNVAL)) return;
        if (fds[0].revents & POLLIN) forward(queue_.get(), tap_.get(), buffer);
        // The guest's report goes out after its list changed (the join comes first), so a mirror
        // now passes the new group on before anyone answers the report.
        if (fds[1].revents & POLLIN && forward(tap_.get(), queue_.get(), buffer)) next_sync = Clock::now();
    }
}

}  // namespace mvc
