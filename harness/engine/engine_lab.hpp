// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "addresses.hpp"
#include "machine_routes.hpp"
#include "net_namespace.hpp"
#include "rtnl.hpp"

namespace mvc {

class EngineReaper;

// Names of the links the Docker suite makes in the machine's namespace: "mvd<pid>n<serial>" for a
// lab's parent, "mvs<pid>n<serial>" for a host shim (the pid's low 24 bits in hex, the serial's
// low byte). At most 12 characters, so Docker's "<parent>.10" still fits IFNAMSIZ; the run's pid
// keeps two runs apart, and the prefix lets a test watching a run find what it made.
std::string machine_link_name(char role, pid_t pid, unsigned serial);
std::string machine_link_prefix(char role, pid_t pid);
inline constexpr char kParentRole = 'd', kShimRole = 's';

// A link the run makes in the machine's namespace, registered with the reaper by name before it is
// created and by ifindex once it exists, and deleted by the destructor (only that link: same index
// *and* name, an index can be reused). If the process dies instead, the reaper deletes it.
class MachineLink {
public:
    // Registers `name`, runs `create` (which must make a link of that name in `nl`'s namespace)
    // and takes the link over.
    MachineLink(Rtnl& nl, EngineReaper& reaper, std::string name, const std::function<void()>& create);
    ~MachineLink();
    MachineLink(const MachineLink&) = delete;
    MachineLink& operator=(const MachineLink&) = delete;

    int ifindex() const { return ifindex_; }
    const std::string& name() const { return name_; }
    // Deletes the link now; returns "" or what went wrong.
    std::string remove();

private:
    Rtnl& nl_;
    EngineReaper& reaper_;
    std::string name_;
    int ifindex_ = 0;
};

// The way every interface of the Docker suite is set up: no IPv6 link-local address (no stray
// DAD/MLD/RS frames, as in the kernel suite) and a short neighbour retransmit time, so one lost
// solicitation costs milliseconds. Must precede set_up.
void prepare_interface(Rtnl& nl, int ifindex, unsigned neighbour_retransmit_ms, bool link_local_too = true);

// The parent the Docker networks sit on: a veth created in the machine's namespace, its peer
// (`ext`) in a private namespace. Deleting the parent deletes the peer, every macvlan Docker
// stacked on it (in any namespace), the VLAN sub-interfaces on it and their routes; and if the
// process dies, the reaper deletes it (and the private namespace goes with the process).
class EngineLab {
public:
    EngineLab(const NetNamespace& machine, EngineReaper& reaper, unsigned serial, unsigned neighbour_retransmit_ms);
    EngineLab(const EngineLab&) = delete;
    EngineLab& operator=(const EngineLab&) = delete;

    // Deletes the parent now; returns "" or what went wrong.
    std::string remove() { return parent_link ? parent_link->remove() : ""; }

    const NetNamespace& machine;
    std::unique_ptr<Rtnl> machine_nl;
    NetNamespace ext;
    std::unique_ptr<Rtnl> ext_nl;
    std::string parent_name;
    int parent = 0;
    int peer = 0;

private:
    std::unique_ptr<MachineLink> parent_link;
};

// Where the test's own endpoints (host, ext) get their addresses: a fresh one at every call, from
// offsets [v4_first, v4_last] of the IPv4 prefix and from v6_block + 1, + 2, ... of the IPv6 one,
// so no two cells ever share a neighbour entry on that side (the reason is AddressPlan's).
class AddressSource {
public:
    AddressSource(Rtnl& nl, int ifindex, IpPrefix v4, std::optional<IpPrefix> v6, unsigned long long v4_first,
                  unsigned long long v4_last, unsigned long long v6_block)
        : nl_(nl), ifindex_(ifindex), v4_(v4), v6_(v6), next_v4_(v4_first), last_v4_(v4_last), v6_base_(v6_block) {}

    IpAddress take(Family family);

private:
    Rtnl& nl_;
    int ifindex_;
    IpPrefix v4_;
    std::optional<IpPrefix> v6_;
    unsigned long long next_v4_, last_v4_, v6_base_, next_v6_ = 1;
};

}  // namespace mvc
