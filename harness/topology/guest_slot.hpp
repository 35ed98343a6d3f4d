// SPDX-License-Identifier: MIT
#pragma once

#include "topology_spec.hpp"

namespace mvc {

// A place among the topologies with VM endpoints that may be built and probed at the same time,
// process-wide (defaults::kParallelGuestTopologies), held from construction to destruction; a
// topology without a macvtap slave takes none. Each guest costs a relay thread and two trips
// through user space for every frame it sends or gets: under TCG on two CPUs, forty such topologies
// at once overflowed the kernel's receive backlog (ENOBUFS on send, controls unanswered), which
// judged nothing wrongly but measured nothing either.
class GuestSlot {
public:
    explicit GuestSlot(const TopologySpec& spec);
    ~GuestSlot();
    GuestSlot(const GuestSlot&) = delete;
    GuestSlot& operator=(const GuestSlot&) = delete;

private:
    bool held_ = false;
};

}  // namespace mvc
