// SPDX-License-Identifier: MIT
#include "reachability_model.hpp"

#include <algorithm>
#include <stdexcept>

namespace mvc {

std::string_view to_string(Reach reach) { return reach == Reach::reachable ? "reachable" : "blocked"; }

namespace {

Reflection reflection_of(ExternalKind e) {
    switch (e) {
        case ExternalKind::none: return Reflection::none;
        case ExternalKind::plain: return Reflection::plain;
        case ExternalKind::hairpin_bridge: return Reflection::hairpin;
    }
    return Reflection::plain;
}

bool lists(const SlaveSpec* s, const Endpoint& sender) {
    return s && s->mode == MacvlanMode::source &&
           std::find(s->source_allow.begin(), s->source_allow.end(), sender) != s->source_allow.end();
}

}  // namespace

ReachabilityModel::ReachabilityModel(const DeliveryRules& rules, const TopologySpec& topology)
    : rules_(rules),
      topology_(topology),
      reflection_(reflection_of(topology.variant.external)),
      port_(topology.has_passthru() ? PortKind::passthru : PortKind::shared) {}

StationKind ReachabilityModel::kind_of(const Endpoint& e) const {
    if (e == kHost) return StationKind::host;
    if (e == kExt) return StationKind::ext;
    const SlaveSpec* s = topology_.slave(e);
    if (!s) throw std::invalid_argument("topology " + topology_.id() + " has no endpoint '" + e + "'");
    switch (s->mode) {
        case MacvlanMode::bridge: return StationKind::bridge;
        case MacvlanMode::vepa: return StationKind::vepa;
        case MacvlanMode::private_: return StationKind::private_;
        case MacvlanMode::source: return StationKind::source;
        case MacvlanMode::passthru: return StationKind::passthru;
    }
    return StationKind::bridge;
}

FrameVerdict ReachabilityModel::deliver(FrameClass frame, const Endpoint& from, const Endpoint& to, bool member) const {
    const StationKind receiver = from == to ? StationKind::self : kind_of(to);
    const DeliveryRule& rule = rules_.rule(frame, kind_of(from), receiver, reflection_, port_);
    FrameVerdict v;
    v.rules.push_back(rule.id);
    const SlaveSpec* target = topology_.slave(to);
    const bool copy_to_listing_source = rule.delivered == DeliveredWhen::if_listed;
    v.delivered = rule.delivered == DeliveredWhen::always || (copy_to_listing_source && lists(target, from));
    if (!v.delivered) return v;
    // Whatever comes through macvlan_handle_frame is consumed after the copies to the listing
    // source slaves when one of them has nodst.
    if (rule.via == DeliveryPath::parent_receive && !(copy_to_listing_source && lists(target, from))) {
        for (const auto& s : topology_.slaves)
            if (s.nodst && lists(&s, from)) {
                v.delivered = false;
                v.rules.push_back("port.nodst");
                return v;
            }
    }
    // A slave's multicast filter; the copies of macvlan_forward_source, the parent and ext do not
    // filter, and neither does a path the rule marks unfiltered.
    if (frame == FrameClass::group && !member && target && !copy_to_listing_source && !rule.unfiltered) {
        v.delivered = false;
        v.rules.push_back("filter.multicast");
    }
    return v;
}

Prediction ReachabilityModel::predict(const Endpoint& a, const Endpoint& b, Family family) const {
    const bool v4 = family == Family::ipv4;
    const std::string solicitation = v4 ? "ARP request" : "neighbour solicitation";
    const std::string answer = v4 ? "ARP reply" : "neighbour advertisement";
    Prediction p;
    auto frame = [&](const std::string& step, FrameClass c, const Endpoint& from, const Endpoint& to, const std::string& what) {
        ExchangeFrame f{step, from + "'s " + what + (c == FrameClass::group ? (v4 ? " (broadcast)" : " (multicast)") : ""),
                        deliver(c, from, to)};
        p.frames.push_back(f);
        return f.verdict.delivered;
    };
    bool ok = true;
    if (!topology_.knows_by_hand(a, b))
        ok = frame("echo.resolve", FrameClass::group, a, b, solicitation + " for " + b) &&
             frame("echo.resolve", FrameClass::unicast, b, a, answer + " to " + a);
    ok = ok && frame("echo.request", FrameClass::unicast, a, b, "echo request to " + b);
    if (ok && topology_.knows_by_hand(a, b) && !topology_.knows_by_hand(b, a))
        ok = frame("echo.reply-resolve", FrameClass::group, b, a, solicitation + " for " + a) &&
             frame("echo.reply-resolve", FrameClass::unicast, a, b, answer + " to " + b);
    ok = ok && frame("echo.reply", FrameClass::unicast, b, a, "echo reply to " + a);
    p.expected = ok ? Reach::reachable : Reach::blocked;

    // One line: every rule the exchange used, and the reason of the decisive one (the frame that is
    // lost, or for a reachable cell the echo request).
    std::string chain;
    for (const auto& f : p.frames)
        for (const auto& r : f.verdict.rules) chain += (chain.empty() ? "" : " > ") + r;
    const ExchangeFrame* decisive = &p.frames.back();
    if (ok)
        for (const auto& f : p.frames)
            if (f.step == "echo.request") decisive = &f;
    const std::string& last_rule = decisive->verdict.rules.back();
    const std::string why = rules_.find(last_rule) ? rules_.find(last_rule)->reason : rules_.reason(last_rule);
    p.reason = (ok ? "every frame of the exchange arrives; " : decisive->what + " does not arrive: ") +
               (ok ? decisive->what + ": " : "") + why + " [" + chain + "]";
    return p;
}

void ReachabilityModel::derive_controls(TopologySpec& t) const {
    if (!t.controls.empty()) return;
    // An endpoint a control starts from is proven alive too (it sends, and its replies come back),
    // so ext, which usually reaches everyone, comes last.
    auto endpoints = t.endpoints();
    if (t.has(kExt)) {
        std::erase(endpoints, kExt);
        endpoints.push_back(kExt);
    }
    auto covered = [&](const Endpoint& e) {
        return std::any_of(t.controls.begin(), t.controls.end(), [&](const EchoControl& c) { return c.from == e || c.to == e; });
    };
    for (const auto& e : endpoints) {
        if (covered(e)) continue;
        std::vector<Endpoint> candidates;
        if (t.has(kExt)) candidates.push_back(kExt);
        candidates.push_back(kHost);
        for (const auto& s : t.slaves) candidates.push_back(s.name);
        bool found = false;
        for (const auto& from : candidates) {
            if (from == e) continue;
            if (predict(from, e, Family::ipv4).expected == Reach::reachable) {
                t.controls.push_back({from, e});
                found = true;
                break;
            }
        }
        if (!found) t.transmit_controls.push_back(e);
    }
}

std::string ReachabilityModel::check_controls(const TopologySpec& t) const {
    for (const auto& c : t.controls)
        if (predict(c.from, c.to, Family::ipv4).expected != Reach::reachable)
            return "control " + c.from + "->" + c.to + " is no path the delivery rules say exists, so its silence would prove nothing";
    return "";
}

}  // namespace mvc
