// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "addresses.hpp"
#include "device_settings.hpp"
#include "net_namespace.hpp"
#include "rtnl.hpp"

namespace mvc {

// Everything about an interface the user lent us that a run may change and restore must put back.
struct InterfaceState {
    std::string role;  // "parent" or "peer"
    std::string name;
    int ifindex = 0;
    MacAddress mac;
    unsigned mtu = 0;
    bool up = false;
    bool promisc_flag = false;  // the user's IFF_PROMISC (gflags), as `ip link` shows it
    uint32_t promiscuity = 0;   // IFLA_PROMISCUITY, the counter
    std::vector<std::string> addresses;  // "a/len", sorted
    std::string master;                  // "" when none
    std::vector<std::string> uppers;     // links stacked on it (IFLA_LINK pointing at it), by name
    // Its per-device IPv4/IPv6 and neighbour settings (addr_gen_mode, disable_ipv6, arp_ignore ...):
    // a move to another namespace resets them all (device_settings.hpp). Absent for a remote peer,
    // whose settings the run leaves alone, and in journals of format 1, which did not record them.
    std::optional<DeviceSettings> settings;

    // The link and its addresses, without the settings (cheap enough to poll).
    static InterfaceState capture(Rtnl& rtnl, int ifindex, const std::string& role);
    // All of it, settings included, read in `ns`, the namespace `rtnl` speaks to.
    static InterfaceState capture_with_settings(Rtnl& rtnl, const NetNamespace& ns, int ifindex, const std::string& role);
    nlohmann::json json() const;
    static InterfaceState from_json(const nlohmann::json& j);
    // What differs from `original`, one line each; empty when identical.
    std::vector<std::string> differences(const InterfaceState& original) const;
};

// Why an interface must not be lent, or "" when it is free: the default routes it carries (named as
// given), addresses other than the kernel's own link-local ones, a master, or links stacked on it.
// The one rule for a local parent or peer and for a remote peer alike.
std::string busy_reasons(const InterfaceState& state, const std::vector<std::string>& default_routes);

// The journal of a run that borrowed interfaces: their original state, and the namespaces the run
// pinned to hold them. Written before anything is touched, removed after a successful restore, so
// a journal that outlives its process is exactly what `macvlan-conformance restore` must replay.
//
// The file is JSON whose "format" names its version:
//   macvlan-conformance/journal/1  the interfaces' link state and addresses;
//   macvlan-conformance/journal/2  adds "settings" to each local interface: every file of its
//                                  /proc/sys/net/ipv{4,6}/{conf,neigh}/<if>/ trees, keyed
//                                  "ipv4/conf/arp_ignore" and so on, with the file's text.
// read() takes both (a format-1 journal restores what it recorded and leaves settings as they are)
// and refuses a later format, which only the version that wrote it knows how to replay.
struct InterfaceJournal {
    static constexpr const char* kDirectory = "/run/macvlan-conformance";
    static constexpr int kFormat = 2;  // what write() writes
    static constexpr const char* kFormatPrefix = "macvlan-conformance/journal/";

    int pid = 0;
    std::string started;  // UTC
    uint64_t machine_netns = 0;  // inode of the namespace the interfaces belong to (checked by restore)
    std::vector<InterfaceState> interfaces;
    std::vector<std::string> pinned_namespaces;  // names under /run/netns that hold a moved peer
    // A peer on another machine (--remote): how to reach it, what it was like, and the address
    // ranges the run used there (restore removes any address of the run's it finds in them).
    struct RemotePeer {
        std::string destination, ssh_config;
        InterfaceState original;
        std::vector<std::string> ranges;
    };
    std::optional<RemotePeer> remote;

    std::filesystem::path path() const;  // <kDirectory>/journal-<pid>.json
    void write() const;                  // atomically (write, fsync, rename)
    // Refuses (UntrustedPath) a file not the running user's, writable by others, a symlink, or in a
    // directory others can write: restore replays it as root.
    static InterfaceJournal read(const std::filesystem::path& file);
    // The text of a journal, from wherever it came (`source` names it in errors); read() uses it,
    // and so can a fuzz target. Throws on anything that is not a journal this version replays.
    static InterfaceJournal parse(std::string_view text, const std::string& source);
    static std::vector<std::filesystem::path> list();  // every journal in kDirectory
};

// Puts every journaled interface back as it was, in the machine's namespace: moves peers back out
// of pinned namespaces, restores MAC, MTU, master, the promisc flag, the per-device settings (while
// a moved peer is still down), up/down and addresses, waits for the promiscuity counter to settle
// (slaves of a dead process vanish asynchronously) and link-local addresses to be made, removes
// link-local addresses the journal does not have, unpins the namespaces, and verifies. Returns what could not be restored (empty on success). Checking
// that `machine` is the journal's namespace, and a remote peer, are replay_journal()'s business.
std::vector<std::string> restore_interfaces(const InterfaceJournal& journal, const NetNamespace& machine);

// Removes a journal whose run is fully restored, and the directories it leaves empty.
void forget_journal(const InterfaceJournal& journal);

}  // namespace mvc
