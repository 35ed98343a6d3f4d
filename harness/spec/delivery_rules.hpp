// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mvc {

// fixtures/rules/delivery.json: who receives a frame, by frame class, kind of sender, kind of
// receiver, what the far end of the wire does, and whether the port is a passthru port. Every
// expected cell of every topology is derived from these rows (ReachabilityModel).

enum class FrameClass { unicast, group };
// A sender or receiver as the rules see it: the parent's stack, the far end, or a slave by mode.
// `self` is the sender itself as a receiver of its own group frame.
enum class StationKind { host, ext, bridge, vepa, private_, source, passthru, self };
// What the far end of the wire does with frames: nothing comes back, everything but frames for it
// comes back once (a reflective-relay switch), or there is no wire.
enum class Reflection { plain, hairpin, none };
enum class PortKind { shared, passthru };
enum class DeliveredWhen { always, never, if_listed };
enum class DeliveryPath { none, wire, local, parent_receive };

std::string_view to_string(FrameClass c);
std::string_view to_string(StationKind k);
std::string_view to_string(Reflection r);
std::string_view to_string(PortKind p);

struct DeliveryRule {
    std::string id;
    FrameClass frame = FrameClass::unicast;
    std::vector<StationKind> from, to;
    std::vector<Reflection> external;
    std::vector<PortKind> port;
    DeliveredWhen delivered = DeliveredWhen::never;
    DeliveryPath via = DeliveryPath::none;
    // The path hands the frame to the slave without testing its multicast filter (the override
    // filter.multicast does not apply): macvlan_handle_frame's "forward to original port".
    bool unfiltered = false;
    std::string reason;
};

class DeliveryRules {
public:
    // Throws FixtureError naming the file, the rule and the problem, also for a combination that no
    // rule covers or that two rules cover.
    static DeliveryRules load(const std::filesystem::path& file);
    static DeliveryRules parse(const nlohmann::json& doc, const std::filesystem::path& file);

    // The one rule for this combination (guaranteed by the loader for every valid combination).
    const DeliveryRule& rule(FrameClass frame, StationKind from, StationKind to, Reflection external, PortKind port) const;
    const DeliveryRule* find(const std::string& id) const;
    const std::vector<DeliveryRule>& rules() const { return rules_; }
    // The reason of an override (port.nodst, filter.multicast) or of an exchange step (echo.*).
    const std::string& reason(const std::string& id) const;
    const std::filesystem::path& file() const { return file_; }

    // A copy in which one rule says the opposite (always <-> never; if-listed -> never): for the
    // sweep that shows every rule decides the cells that use it.
    DeliveryRules flipped(const std::string& id) const;

    // Every valid combination of (frame, from, to, external, port): what the loader checks coverage of.
    struct Combination {
        FrameClass frame;
        StationKind from, to;
        Reflection external;
        PortKind port;
    };
    static std::vector<Combination> combinations();

private:
    void index();
    std::filesystem::path file_;
    std::vector<DeliveryRule> rules_;
    std::map<std::string, std::string> notes_;  // overrides and exchange steps, by id
    std::map<std::tuple<int, int, int, int, int>, size_t> by_combination_;
};

}  // namespace mvc
