// SPDX-License-Identifier: MIT
#include "guest_slot.hpp"

#include <algorithm>
#include <semaphore>

#include "probe_defaults.hpp"

namespace mvc {

namespace {

std::counting_semaphore<>& places() {
    static std::counting_semaphore<> gate(defaults::kParallelGuestTopologies);
    return gate;
}

}  // namespace

GuestSlot::GuestSlot(const TopologySpec& spec)
    : held_(std::any_of(spec.slaves.begin(), spec.slaves.end(), [](const SlaveSpec& s) { return s.kind == SlaveKind::macvtap; })) {
    if (held_) places().acquire();
}

GuestSlot::~GuestSlot() {
    if (held_) places().release();
}

}  // namespace mvc
