// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "addresses.hpp"
#include "net_namespace.hpp"

struct nl_sock;

namespace mvc {

class Rtnl;

// The team runners the suites use. A runner is the kernel's team mode module
// (team_mode_activebackup, team_mode_roundrobin), chosen through the team's "mode" option.
enum class TeamRunner { activebackup, roundrobin };
std::string_view to_string(TeamRunner runner);
TeamRunner team_runner_from_string(std::string_view text);  // throws std::invalid_argument

// Creates a team device (RTM_NEWLINK kind "team", libnl's rtnl_link_team_alloc). It has no runner
// yet: nothing is sent until one is chosen with TeamControl::set_runner. Returns the ifindex.
int create_team(Rtnl& rtnl, const std::string& name, const MacAddress& mac);

// The team driver's options travel only over generic netlink (family "team", TEAM_CMD_OPTIONS_SET),
// not rtnetlink: teamd's libteam uses the same family. A socket opened inside one namespace, where
// team_nl_team_get looks the team up by ifindex. Throws NetlinkError with the kernel's errno.
class TeamControl {
public:
    explicit TeamControl(const NetNamespace& ns);
    ~TeamControl();
    TeamControl(const TeamControl&) = delete;
    TeamControl& operator=(const TeamControl&) = delete;

    // The "mode" option. team_change_mode refuses it while the team has ports (EBUSY), so it comes
    // before the ports; the kernel loads team-mode-<runner> on demand.
    void set_runner(int team, TeamRunner runner);
    // activebackup's "activeport" option: the runner transmits and receives only on this port, and
    // there is none until someone (teamd, or this) names one (ab_active_port_set).
    void set_active_port(int team, int port);

private:
    void set_option(int team, const std::string& name, int nla_type, const void* data, int length);
    nl_sock* sock_ = nullptr;
    int family_ = 0;
};

}  // namespace mvc
