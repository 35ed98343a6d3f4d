// SPDX-License-Identifier: MIT
#include "team_link.hpp"

#include <linux/if_team.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/team.h>

#include <memory>
#include <stdexcept>

#include "error.hpp"
#include "rtnl.hpp"

namespace mvc {

std::string_view to_string(TeamRunner runner) {
    return runner == TeamRunner::activebackup ? "activebackup" : "roundrobin";
}

TeamRunner team_runner_from_string(std::string_view text) {
    if (text == "activebackup") return TeamRunner::activebackup;
    if (text == "roundrobin") return TeamRunner::roundrobin;
    throw std::invalid_argument("unknown team runner '" + std::string(text) + "' (valid: activebackup, roundrobin)");
}

int create_team(Rtnl& rtnl, const std::string& name, const MacAddress& mac) {
    std::unique_ptr<rtnl_link, void (*)(rtnl_link*)> l(rtnl_link_team_alloc(), rtnl_link_put);
    if (!l) throw std::bad_alloc();
    rtnl_link_set_name(l.get(), name.c_str());
    std::unique_ptr<nl_addr, void (*)(nl_addr*)> a(nl_addr_build(AF_LLC, mac.bytes().data(), 6), nl_addr_put);
    rtnl_link_set_addr(l.get(), a.get());
    nl_msg* msg = nullptr;
    if (int err = rtnl_link_build_add_request(l.get(), NLM_F_CREATE | NLM_F_EXCL, &msg); err < 0)
        throw std::runtime_error("team " + name + ": cannot build netlink request: " + nl_geterror(err));
    rtnl.request(msg, "create team " + name);
    return rtnl.link(name).ifindex;
}

TeamControl::TeamControl(const NetNamespace& ns) {
    sock_ = ns.run([] {
        nl_sock* s = nl_socket_alloc();
        if (!s) throw std::bad_alloc();
        if (int err = genl_connect(s); err < 0) {
            nl_socket_free(s);
            throw std::runtime_error(std::string("generic netlink connect: ") + nl_geterror(err));
        }
        return s;
    });
    family_ = genl_ctrl_resolve(sock_, TEAM_GENL_NAME);
    if (family_ < 0) {
        nl_socket_free(sock_);
        // No "team" family: the team module is not loaded (it registers the family at init).
        throw NetlinkError("resolve generic netlink family 'team'", EOPNOTSUPP, "");
    }
    // team_nl_cmd_options_set reports every change on the family's "change_event" group and
    // returns that send's error: with nobody listening (teamd always is) a change that took
    // effect is answered ESRCH. This socket listens, so the answer is the change's own.
    const int group = genl_ctrl_resolve_grp(sock_, TEAM_GENL_NAME, TEAM_GENL_CHANGE_EVENT_MC_GRP_NAME);
    if (group < 0 || nl_socket_add_membership(sock_, group) < 0) {
        nl_socket_free(sock_);
        throw std::runtime_error("cannot join the team family's change_event group");
    }
}

TeamControl::~TeamControl() { nl_socket_free(sock_); }

void TeamControl::set_option(int team, const std::string& name, int nla_type, const void* data, int length) {
    nl_msg* msg = nlmsg_alloc();
    if (!msg) throw std::bad_alloc();
    if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family_, 0, 0, TEAM_CMD_OPTIONS_SET, TEAM_GENL_VERSION)) {
        nlmsg_free(msg);
        throw std::bad_alloc();
    }
    nla_put_u32(msg, TEAM_ATTR_TEAM_IFINDEX, static_cast<uint32_t>(team));
    nlattr* list = nla_nest_start(msg, TEAM_ATTR_LIST_OPTION);
    nlattr* item = nla_nest_start(msg, TEAM_ATTR_ITEM_OPTION);
    nla_put_string(msg, TEAM_ATTR_OPTION_NAME, name.c_str());
    nla_put_u8(msg, TEAM_ATTR_OPTION_TYPE, static_cast<uint8_t>(nla_type));
    nla_put(msg, TEAM_ATTR_OPTION_DATA, length, data);
    nla_nest_end(msg, item);
    nla_nest_end(msg, list);
    // The kernel's own errno (libnl's codes fold several into one), read from the acknowledgement.
    std::unique_ptr<nl_msg, void (*)(nl_msg*)> owned(msg, nlmsg_free);
    nl_complete_msg(sock_, msg);
    if (int err = nl_send(sock_, msg); err < 0) throw std::runtime_error(std::string("generic netlink send: ") + nl_geterror(err));
    struct Ack {
        bool done = false;
        int error = 0;
    } ack;
    std::unique_ptr<nl_cb, void (*)(nl_cb*)> cb(nl_cb_alloc(NL_CB_DEFAULT), nl_cb_put);
    nl_cb_err(cb.get(), NL_CB_CUSTOM, [](sockaddr_nl*, nlmsgerr* e, void* arg) -> int {
        auto* a = static_cast<Ack*>(arg);
        a->done = true;
        a->error = -e->error;
        return NL_STOP;
    }, &ack);
    nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, [](nl_msg*, void* arg) -> int {
        static_cast<Ack*>(arg)->done = true;
        return NL_STOP;
    }, &ack);
    // The option-change events the kernel multicasts (below) carry no sequence number of ours.
    nl_cb_set(cb.get(), NL_CB_SEQ_CHECK, NL_CB_CUSTOM, [](nl_msg*, void*) -> int { return NL_OK; }, nullptr);
    while (!ack.done)
        if (int err = nl_recvmsgs(sock_, cb.get()); err < 0 && !ack.done)
            throw std::runtime_error(std::string("generic netlink receive: ") + nl_geterror(err));
    if (ack.error) throw NetlinkError("team " + std::to_string(team) + ": set option " + name, ack.error, "");
}

void TeamControl::set_runner(int team, TeamRunner runner) {
    const std::string value(to_string(runner));
    set_option(team, "mode", NLA_STRING, value.c_str(), static_cast<int>(value.size() + 1));
}

void TeamControl::set_active_port(int team, int port) {
    const uint32_t value = static_cast<uint32_t>(port);
    set_option(team, "activeport", NLA_U32, &value, sizeof value);
}

}  // namespace mvc
