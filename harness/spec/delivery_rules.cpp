// SPDX-License-Identifier: MIT
#include "delivery_rules.hpp"

#include <algorithm>
#include <set>

#include "fixture_error.hpp"
#include "json_fields.hpp"

namespace mvc {

namespace {

template <typename E, size_t N>
E parse_enum(const JsonFields& f, const std::string& text, std::string_view key,
             const std::pair<std::string_view, E> (&names)[N]) {
    for (const auto& [name, value] : names)
        if (name == text) return value;
    std::string valid;
    for (const auto& [name, value] : names) valid += (valid.empty() ? "" : ", ") + std::string(name);
    f.fail("'" + std::string(key) + "': unknown value '" + text + "' (valid: " + valid + ")");
}

constexpr std::pair<std::string_view, FrameClass> kFrames[] = {{"unicast", FrameClass::unicast}, {"group", FrameClass::group}};
constexpr std::pair<std::string_view, StationKind> kKinds[] = {
    {"host", StationKind::host},       {"ext", StationKind::ext},       {"bridge", StationKind::bridge},
    {"vepa", StationKind::vepa},       {"private", StationKind::private_}, {"source", StationKind::source},
    {"passthru", StationKind::passthru}, {"self", StationKind::self}};
constexpr std::pair<std::string_view, Reflection> kExternals[] = {
    {"plain", Reflection::plain}, {"hairpin", Reflection::hairpin}, {"none", Reflection::none}};
constexpr std::pair<std::string_view, PortKind> kPorts[] = {{"shared", PortKind::shared}, {"passthru", PortKind::passthru}};
constexpr std::pair<std::string_view, DeliveryPath> kPaths[] = {
    {"wire", DeliveryPath::wire}, {"local", DeliveryPath::local}, {"parent-receive", DeliveryPath::parent_receive}};

template <typename E, size_t N>
std::vector<E> parse_list(const JsonFields& f, std::string_view key, const std::pair<std::string_view, E> (&names)[N]) {
    std::vector<E> out;
    for (const auto& item : f.array(key)) {
        if (!item.is_string()) f.fail("'" + std::string(key) + "' must list names, got " + item.dump());
        out.push_back(parse_enum(f, item.get<std::string>(), key, names));
    }
    return out;
}

template <typename E, size_t N>
std::string_view name_of(E value, const std::pair<std::string_view, E> (&names)[N]) {
    for (const auto& [name, v] : names)
        if (v == value) return name;
    return "?";
}

std::tuple<int, int, int, int, int> key(FrameClass f, StationKind a, StationKind b, Reflection e, PortKind p) {
    return {static_cast<int>(f), static_cast<int>(a), static_cast<int>(b), static_cast<int>(e), static_cast<int>(p)};
}

std::string describe(const DeliveryRules::Combination& c) {
    return std::string(to_string(c.frame)) + " from " + std::string(to_string(c.from)) + " to " + std::string(to_string(c.to)) +
           ", external " + std::string(to_string(c.external)) + ", " + std::string(to_string(c.port)) + " port";
}

}  // namespace

std::string_view to_string(FrameClass c) { return name_of(c, kFrames); }
std::string_view to_string(StationKind k) { return name_of(k, kKinds); }
std::string_view to_string(Reflection r) { return name_of(r, kExternals); }
std::string_view to_string(PortKind p) { return name_of(p, kPorts); }

std::vector<DeliveryRules::Combination> DeliveryRules::combinations() {
    std::vector<Combination> out;
    const StationKind shared_kinds[] = {StationKind::host,     StationKind::ext,    StationKind::bridge,
                                        StationKind::vepa,     StationKind::private_, StationKind::source};
    const StationKind passthru_kinds[] = {StationKind::host, StationKind::ext, StationKind::passthru};
    for (auto port : {PortKind::shared, PortKind::passthru})
        for (auto external : {Reflection::plain, Reflection::hairpin, Reflection::none})
            for (auto frame : {FrameClass::unicast, FrameClass::group}) {
                const auto* begin = port == PortKind::shared ? std::begin(shared_kinds) : std::begin(passthru_kinds);
                const auto* end = port == PortKind::shared ? std::end(shared_kinds) : std::end(passthru_kinds);
                for (const auto* from = begin; from != end; ++from) {
                    if (external == Reflection::none && *from == StationKind::ext) continue;  // no wire, no ext
                    for (const auto* to = begin; to != end; ++to) {
                        if (external == Reflection::none && *to == StationKind::ext) continue;
                        // host and ext are one station each: only slaves have siblings of their kind.
                        if (*to == *from && (*to == StationKind::host || *to == StationKind::ext || *to == StationKind::passthru))
                            continue;
                        out.push_back({frame, *from, *to, external, port});
                    }
                    if (frame == FrameClass::group) out.push_back({frame, *from, StationKind::self, external, port});
                }
            }
    return out;
}

DeliveryRules DeliveryRules::load(const std::filesystem::path& file) { return parse(read_json_file(file), file); }

DeliveryRules DeliveryRules::parse(const nlohmann::json& doc, const std::filesystem::path& file) {
    JsonFields top(file, "", doc);
    top.allow_only({"format", "$comment", "rules", "overrides", "exchange"});
    if (top.string("format") != "macvlan-conformance/delivery-rules/1")
        top.fail("'format' must be \"macvlan-conformance/delivery-rules/1\"");
    DeliveryRules set;
    set.file_ = file;
    std::set<std::string> ids;
    const auto& rules = top.array("rules");
    for (size_t i = 0; i < rules.size(); ++i) {
        JsonFields f(file, "rules[" + std::to_string(i) + "]", rules[i]);
        f.allow_only({"id", "frame", "from", "to", "external", "port", "delivered", "via", "unfiltered", "reason"});
        DeliveryRule r;
        r.id = f.string("id");
        JsonFields rf(file, "rule " + r.id, rules[i]);
        if (!ids.insert(r.id).second) rf.fail("the id is used twice");
        r.frame = parse_enum(rf, rf.string("frame"), "frame", kFrames);
        r.from = parse_list(rf, "from", kKinds);
        r.to = parse_list(rf, "to", kKinds);
        r.external = parse_list(rf, "external", kExternals);
        r.port = parse_list(rf, "port", kPorts);
        if (r.from.empty() || r.to.empty() || r.external.empty() || r.port.empty())
            rf.fail("'from', 'to', 'external' and 'port' must each name at least one value");
        const auto& delivered = rules[i].contains("delivered") ? rules[i]["delivered"] : nlohmann::json();
        if (delivered.is_boolean()) r.delivered = delivered.get<bool>() ? DeliveredWhen::always : DeliveredWhen::never;
        else if (delivered == "if-listed") r.delivered = DeliveredWhen::if_listed;
        else rf.fail("'delivered' must be true, false or \"if-listed\", got " + delivered.dump());
        if (r.delivered != DeliveredWhen::never) {
            r.via = parse_enum(rf, rf.string("via"), "via", kPaths);
        } else if (rules[i].contains("via")) {
            rf.fail("a frame that is not delivered arrives by no path: drop 'via'");
        }
        if (rules[i].contains("unfiltered")) {
            if (!rules[i]["unfiltered"].is_boolean()) rf.fail("'unfiltered' must be true or false");
            r.unfiltered = rules[i]["unfiltered"].get<bool>();
            if (r.unfiltered && (r.frame != FrameClass::group || r.delivered == DeliveredWhen::never))
                rf.fail("'unfiltered' says how a delivered group frame passes a slave's filter: it needs frame \"group\" and a delivery");
        }
        r.reason = rf.string("reason");
        if (r.reason.empty() || r.reason.find('\n') != std::string::npos) rf.fail("'reason' must be one non-empty line");
        set.rules_.push_back(std::move(r));
    }
    for (const char* section : {"overrides", "exchange"}) {
        const auto& notes = top.array(section);
        for (size_t i = 0; i < notes.size(); ++i) {
            JsonFields f(file, std::string(section) + "[" + std::to_string(i) + "]", notes[i]);
            f.allow_only({"id", "reason"});
            const auto id = f.string("id");
            if (!ids.insert(id).second) f.fail("the id '" + id + "' is used twice");
            set.notes_[id] = f.string("reason");
        }
    }
    for (const char* needed : {"port.nodst", "filter.multicast", "echo.resolve", "echo.request", "echo.reply-resolve", "echo.reply"})
        if (!set.notes_.count(needed)) top.fail(std::string("the rules need an entry '") + needed + "' (under overrides or exchange)");
    set.index();
    return set;
}

void DeliveryRules::index() {
    by_combination_.clear();
    std::map<std::tuple<int, int, int, int, int>, std::vector<size_t>> covering;
    for (size_t i = 0; i < rules_.size(); ++i)
        for (auto f : {rules_[i].frame})
            for (auto a : rules_[i].from)
                for (auto b : rules_[i].to)
                    for (auto e : rules_[i].external)
                        for (auto p : rules_[i].port) covering[key(f, a, b, e, p)].push_back(i);
    std::string missing, twice;
    std::set<std::tuple<int, int, int, int, int>> valid;
    for (const auto& c : combinations()) {
        const auto k = key(c.frame, c.from, c.to, c.external, c.port);
        valid.insert(k);
        auto it = covering.find(k);
        if (it == covering.end()) {
            missing += "\n  " + describe(c);
        } else if (it->second.size() > 1) {
            twice += "\n  " + describe(c) + ": " + rules_[it->second[0]].id + " and " + rules_[it->second[1]].id;
        } else {
            by_combination_[k] = it->second.front();
        }
    }
    for (const auto& [k, which] : covering)
        if (!valid.count(k))
            throw FixtureError(file_, "rule " + rules_[which.front()].id,
                               "covers a combination no topology can have (e.g. ext on a dummy parent, or a passthru "
                               "slave beside others, or host receiving from itself as another station)");
    if (!missing.empty()) throw FixtureError(file_, "rules", "no rule covers these combinations:" + missing);
    if (!twice.empty()) throw FixtureError(file_, "rules", "two rules cover these combinations:" + twice);
}

const DeliveryRule& DeliveryRules::rule(FrameClass frame, StationKind from, StationKind to, Reflection external, PortKind port) const {
    auto it = by_combination_.find(key(frame, from, to, external, port));
    if (it == by_combination_.end())
        throw std::logic_error("no delivery rule for " + describe({frame, from, to, external, port}));
    return rules_[it->second];
}

const DeliveryRule* DeliveryRules::find(const std::string& id) const {
    for (const auto& r : rules_)
        if (r.id == id) return &r;
    return nullptr;
}

const std::string& DeliveryRules::reason(const std::string& id) const {
    auto it = notes_.find(id);
    if (it == notes_.end()) throw std::logic_error("no rule note " + id);
    return it->second;
}

DeliveryRules DeliveryRules::flipped(const std::string& id) const {
    DeliveryRules copy = *this;
    for (auto& r : copy.rules_) {
        if (r.id != id) continue;
        if (r.delivered == DeliveredWhen::never) {
            r.delivered = DeliveredWhen::always;
            r.via = DeliveryPath::parent_receive;
        } else {
            r.delivered = DeliveredWhen::never;
            r.via = DeliveryPath::none;
        }
        r.reason = "FLIPPED: " + r.reason;
        return copy;
    }
    throw std::invalid_argument("no rule '" + id + "' to flip");
}

}  // namespace mvc
