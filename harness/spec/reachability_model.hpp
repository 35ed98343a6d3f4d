// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "addresses.hpp"
#include "delivery_rules.hpp"
#include "topology_spec.hpp"

namespace mvc {

enum class Reach { reachable, blocked };
std::string_view to_string(Reach reach);

// Whether one frame reaches one receiver, and the rules that decided it.
struct FrameVerdict {
    bool delivered = false;
    std::vector<std::string> rules;  // rule ids, then any override that took the frame away
};

// One frame of an echo exchange, as the model sees it.
struct ExchangeFrame {
    std::string step;  // echo.resolve, echo.request, echo.reply-resolve, echo.reply
    std::string what;  // "c1's ARP request for host (broadcast)"
    FrameVerdict verdict;
};

// A cell's expectation derived from the rules: the frames its echo exchange needs, in order, up to
// the first one that is not delivered.
struct Prediction {
    Reach expected = Reach::blocked;
    std::vector<ExchangeFrame> frames;
    std::string reason;  // one line: the decisive rules and why
};

// The delivery rules applied to one topology: who receives what, and so who reaches whom.
class ReachabilityModel {
public:
    ReachabilityModel(const DeliveryRules& rules, const TopologySpec& topology);

    // Whether `to` receives a frame `from` sends. A group frame is a broadcast, or a multicast to a
    // group `to` joined (member) or not.
    FrameVerdict deliver(FrameClass frame, const Endpoint& from, const Endpoint& to, bool member = true) const;
    // An ICMP echo from `from` to `to`, with neighbour resolution unless a static entry skips it.
    // The same in both families (ARP and neighbour discovery take the same paths); `family` only
    // words the frames.
    Prediction predict(const Endpoint& from, const Endpoint& to, Family family) const;
    // The controls a topology needs when its spec lists none: for every endpoint no control covers
    // yet (as its source or its target), the first path the rules say reaches it (from ext, then
    // host, then the slaves in order); an endpoint nothing reaches gets a transmit control instead
    // (its frames must be seen leaving on the parent).
    void derive_controls(TopologySpec& topology) const;
    // Refuses controls that are not paths the rules say exist. Returns the problem, or "".
    std::string check_controls(const TopologySpec& topology) const;

    StationKind kind_of(const Endpoint& endpoint) const;

private:
    const DeliveryRules& rules_;
    const TopologySpec& topology_;
    Reflection reflection_;
    PortKind port_;
};

}  // namespace mvc
