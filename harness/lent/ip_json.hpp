// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "interface_journal.hpp"
#include "machine_routes.hpp"

namespace mvc::ip_json {

// What a remote host's iproute2 prints with `ip -j`, read. It comes from another machine over ssh
// (a shell startup file can print anything before it), so every field is checked: each function
// throws RemoteError naming the command and the field for anything that is not what iproute2
// prints, and never reads past what it was given. Kept apart from RemotePeer so that the fuzz
// target (fuzz/fuzz_remote_ip_json.cpp) reaches them without a remote host.

// The interface `ifname` from `ip -j -d link show dev IF`, `ip -j address show dev IF` and
// `ip -j -d link show` (every link: which ones are stacked on it).
InterfaceState interface_state(const std::string& ifname, const std::string& link_show, const std::string& address_show,
                               const std::string& all_links_show);
// The destinations of `ip -j route show table all`, default routes and routes named in words
// (multicast, unreachable ...) left out.
std::vector<IpPrefix> route_destinations(const std::string& route_show);
// Whether any route of `ip -j route show default` leaves through `ifname`.
bool has_route_through(const std::string& route_show, const std::string& ifname);
// The device of `ip -j route get ADDRESS`, or "" when the output names none.
std::string route_device(const std::string& route_get);
// Whether `ip -j link show dev IF` shows the link up with carrier (UP and LOWER_UP).
bool up_with_carrier(const std::string& link_show);

}  // namespace mvc::ip_json
