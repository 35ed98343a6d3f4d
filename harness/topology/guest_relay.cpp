// SPDX-License-Identifier: MIT
#include "guest_relay.hpp"

#include <linux/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "error.hpp"

namespace mvc {

namespace {

// How often the guest's multicast list is compared with the macvtap's: well inside one neighbour
// retransmission (probe_defaults.hpp), so a solicitation lost to a group not yet mirrored is
// repeated after the mirror.
constexpr int kFilterSyncMs = 10;

// Moves what `from` holds now to `to`, one frame per read (both fds carry bare Ethernet frames: no
// packet information, no vnet header). A frame the other side refuses (a full queue) is lost, as
// on a congested link; the probes' retransmissions cover it.
void forward(int from, int to, std::vector<unsigned char>& buffer) {
    for (int i = 0; i < 256; ++i) {
        const ssize_t n = ::read(from, buffer.data(), buffer.size());
        if (n <= 0) return;  // EAGAIN: drained
        (void)!::write(to, buffer.data(), static_cast<size_t>(n));
    }
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
    while (!stop_) {
        if (control_fd) mirror_multicast(control_fd.get());
        pollfd fds[] = {{queue_.get(), POLLIN, 0}, {tap_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
        if (::poll(fds, 3, kFilterSyncMs) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL) || fds[1].revents & (POLLERR | POLLHUP | POLLNVAL)) return;
        if (fds[0].revents & POLLIN) forward(queue_.get(), tap_.get(), buffer);
        if (fds[1].revents & POLLIN) forward(tap_.get(), queue_.get(), buffer);
    }
}

}  // namespace mvc
