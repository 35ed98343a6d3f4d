// SPDX-License-Identifier: MIT
#include "topology_spec.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include "json_fields.hpp"
#include "reachability_model.hpp"

namespace mvc {

std::string SlaveSpec::mode_name() const {
    return std::string(to_string(mode)) + (nodst ? "+nodst" : "");
}

std::vector<Endpoint> TopologySpec::endpoints() const {
    std::vector<Endpoint> out{kHost};
    if (variant.external != ExternalKind::none) out.push_back(kExt);
    for (const auto& s : slaves) out.push_back(s.name);
    return out;
}

bool TopologySpec::has(const Endpoint& endpoint) const {
    if (endpoint == kHost) return true;
    if (endpoint == kExt) return variant.external != ExternalKind::none;
    return slave(endpoint) != nullptr;
}

const SlaveSpec* TopologySpec::slave(const Endpoint& endpoint) const {
    for (const auto& s : slaves)
        if (s.name == endpoint) return &s;
    return nullptr;
}

bool TopologySpec::knows_by_hand(const Endpoint& holder, const Endpoint& target) const {
    if (holder == target) return false;
    if (variant.static_neighbours && slave(holder) && slave(target)) return true;
    return std::any_of(static_pairs.begin(), static_pairs.end(), [&](const auto& p) {
        return (p.first == holder && p.second == target) || (p.first == target && p.second == holder);
    });
}

std::vector<std::pair<Endpoint, Endpoint>> TopologySpec::cell_pairs() const {
    std::vector<std::pair<Endpoint, Endpoint>> out;
    const auto all = endpoints();
    for (const auto& from : all)
        for (const auto& to : all) {
            if (from == to) continue;
            if (pairs == CellPairs::with_ext && from != kExt && to != kExt) continue;
            out.emplace_back(from, to);
        }
    return out;
}

bool TopologySpec::uses_mode(MacvlanMode mode) const {
    return std::any_of(slaves.begin(), slaves.end(), [&](const SlaveSpec& s) { return s.mode == mode; });
}

bool TopologySpec::has_passthru() const { return uses_mode(MacvlanMode::passthru); }

std::string TopologySpec::id() const { return name + "." + variant.name; }

namespace {

const std::regex& name_pattern() {
    static const std::regex pattern("[A-Za-z][A-Za-z0-9_]{0,31}");
    return pattern;
}

// "bridge", "vepa", "private", "passthru", "source", or "source+nodst".
void parse_mode(const JsonFields& f, const std::string& text, SlaveSpec& s) {
    const bool nodst = text == "source+nodst";
    try {
        s.mode = macvlan_mode_from_string(nodst ? "source" : text);
    } catch (const std::invalid_argument&) {
        f.fail("unknown mode '" + text + "' (valid: bridge, vepa, private, passthru, source, source+nodst)");
    }
    s.nodst = nodst;
}

std::vector<Endpoint> parse_names(const JsonFields& f, const nlohmann::json& list, const std::string& key) {
    std::vector<Endpoint> out;
    if (!list.is_array()) f.fail("'" + key + "' must be a list of endpoint names");
    for (const auto& item : list) {
        if (!item.is_string()) f.fail("'" + key + "' must list endpoint names, got " + item.dump());
        out.push_back(item.get<std::string>());
    }
    return out;
}

// One entry of "slaves": a slave, or {"count": N, "name": "c{n}", "modes": [...]} for N slaves
// named c1..cN cycling through the modes.
void parse_slave_entry(const JsonFields& f, const nlohmann::json& j, std::vector<SlaveSpec>& out) {
    f.allow_only({"name", "mode", "modes", "count", "first", "nodst", "kind", "source_allow"});
    SlaveSpec proto;
    if (j.contains("kind")) {
        const auto kind = f.string("kind");
        if (kind == "macvtap") proto.kind = SlaveKind::macvtap;
        else if (kind != "macvlan") f.fail("'kind' must be 'macvlan' or 'macvtap', got '" + kind + "'");
    }
    if (j.contains("source_allow")) proto.source_allow = parse_names(f, j["source_allow"], "source_allow");
    const bool nodst = f.boolean_or("nodst", false);
    auto finish = [&](SlaveSpec s, bool allow_list_given) {
        if (nodst) {
            if (s.mode != MacvlanMode::source)
                f.fail("'nodst' only changes a source-mode slave (macvlan_forward_source); on " +
                       std::string(to_string(s.mode)) + " it would do nothing");
            s.nodst = true;
        }
        if (s.mode != MacvlanMode::source) {
            if (allow_list_given && !j.contains("count"))
                f.fail("'source_allow' only applies to mode 'source' (macvlan_changelink refuses a MACADDR list on "
                       "other modes: EINVAL)");
            s.source_allow.clear();
        }
        out.push_back(std::move(s));
    };
    if (!j.contains("count")) {
        if (j.contains("modes")) f.fail("'modes' goes with 'count'; a single slave has 'mode'");
        SlaveSpec s = proto;
        s.name = f.string("name");
        parse_mode(f, f.string("mode"), s);
        finish(std::move(s), j.contains("source_allow"));
        return;
    }
    if (!j["count"].is_number_integer()) f.fail("'count' must be a whole number, got " + j["count"].dump());
    const auto count = j["count"].get<long long>();
    if (count < 1 || count > static_cast<long long>(kMaxSlaves))
        f.fail("'count' is " + std::to_string(count) + ": a topology holds 1 to " + std::to_string(kMaxSlaves) +
               " slaves (each is a network namespace of its own)");
    const auto pattern = f.string("name");
    if (pattern.find("{n}") == std::string::npos) f.fail("'name' of a counted entry needs {n}, e.g. \"c{n}\"");
    std::vector<std::string> modes;
    if (j.contains("mode")) modes.push_back(f.string("mode"));
    if (const auto* list = f.optional_array("modes"))
        for (const auto& m : *list) {
            if (!m.is_string()) f.fail("'modes' must list mode names");
            modes.push_back(m.get<std::string>());
        }
    if (modes.empty()) f.fail("a counted entry needs 'mode' or 'modes'");
    long long first = 1;
    if (j.contains("first")) {
        if (!j["first"].is_number_integer()) f.fail("'first' must be a whole number");
        first = j["first"].get<long long>();
    }
    const bool lists = std::any_of(modes.begin(), modes.end(), [](const std::string& m) { return m.rfind("source", 0) == 0; });
    if (j.contains("source_allow") && !lists) f.fail("'source_allow' only applies to mode 'source', and no mode here is source");
    for (long long n = 0; n < count; ++n) {
        SlaveSpec s = proto;
        s.name = pattern;
        s.name.replace(s.name.find("{n}"), 3, std::to_string(first + n));
        parse_mode(f, modes[static_cast<size_t>(n) % modes.size()], s);
        finish(std::move(s), false);
    }
}

}  // namespace

void parse_topology_body(TopologySpec& t, const nlohmann::json& object, const std::filesystem::path& file, const std::string& entry) {
    JsonFields f(file, entry, object);
    const auto& slaves = f.array("slaves");
    for (size_t i = 0; i < slaves.size(); ++i) {
        JsonFields sf(file, entry + " slaves[" + std::to_string(i) + "]", slaves[i]);
        parse_slave_entry(sf, slaves[i], t.slaves);
    }
    if (t.slaves.empty()) f.fail("'slaves' must have at least one slave");
    if (t.slaves.size() > kMaxSlaves)
        f.fail("'slaves' adds up to " + std::to_string(t.slaves.size()) + " slaves; at most " + std::to_string(kMaxSlaves) +
               " fit (each is a network namespace of its own)");
    std::set<std::string> names{kHost, kExt};
    for (const auto& s : t.slaves) {
        if (!std::regex_match(s.name, name_pattern()))
            f.fail("slave name '" + s.name + "': use a letter, then letters, digits or '_', at most 32 (it is part of test names)");
        if (s.name == kHost || s.name == kExt) f.fail("'" + s.name + "' names the parent's side or the far end; a slave needs another name");
        if (!names.insert(s.name).second) f.fail("slave name '" + s.name + "' is used twice");
    }
    if (t.has_passthru() && t.slaves.size() != 1)
        f.fail("passthru allows exactly one slave per parent (macvlan_common_newlink refuses a second one: EINVAL), "
               "and this topology has " + std::to_string(t.slaves.size()));
    // A catalog entry spans variants: on one without a wire, "ext" on an allow-list names nobody and
    // is dropped (a user's file has one variant, and is told instead).
    if (t.variant.external == ExternalKind::none && entry.rfind("topology ", 0) != 0)
        for (auto& s : t.slaves) std::erase(s.source_allow, kExt);
    for (const auto& s : t.slaves)
        for (const auto& allowed : s.source_allow) {
            if (!t.has(allowed))
                f.fail("slave '" + s.name + "': 'source_allow' names '" + allowed + "', which is no endpoint of this topology" +
                       (allowed == kExt ? " (a dummy parent has no ext)" : ""));
            if (allowed == s.name)
                f.fail("slave '" + s.name + "' lists its own MAC in 'source_allow': it would receive each of its reflected "
                       "frames twice, which the delivery rules do not model");
        }
    if (object.contains("static_neighbours")) {
        const auto& sn = object["static_neighbours"];
        if (sn.is_boolean()) {
            t.variant.static_neighbours = sn.get<bool>();
        } else if (sn.is_array()) {
            for (const auto& pair : sn) {
                if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
                    f.fail("'static_neighbours' entries are pairs of endpoint names, e.g. [\"shim\", \"p1\"], got " + pair.dump());
                const Endpoint a = pair[0].get<std::string>(), b = pair[1].get<std::string>();
                if (!t.has(a) || !t.has(b)) f.fail("'static_neighbours' names '" + (t.has(a) ? b : a) + "', which is no endpoint of this topology");
                if (a == b) f.fail("'static_neighbours' pairs an endpoint with itself ('" + a + "')");
                t.static_pairs.emplace_back(a, b);
            }
        } else {
            f.fail("'static_neighbours' must be true (every two slaves) or a list of pairs");
        }
    }
    if (t.variant.static_neighbours && t.slaves.size() < 2) f.fail("static neighbour entries between slaves need two slaves");
    const auto pairs = f.string_or("pairs", "all");
    if (pairs == "with-ext") {
        if (t.variant.external == ExternalKind::none) f.fail("'pairs': \"with-ext\" needs a wire, and a dummy parent has none");
        t.pairs = CellPairs::with_ext;
    } else if (pairs != "all") {
        f.fail("'pairs' must be \"all\" (every ordered pair of endpoints) or \"with-ext\" (only to and from ext), got \"" + pairs + "\"");
    }
    if (const auto* controls = f.optional_array("controls"))
        for (const auto& c : *controls) {
            const auto text = c.is_string() ? c.get<std::string>() : std::string();
            const auto arrow = text.find("->");
            if (arrow == std::string::npos) f.fail("'controls' entries look like \"ext->c1\", got " + c.dump());
            EchoControl control{text.substr(0, arrow), text.substr(arrow + 2)};
            if (!t.has(control.from) || !t.has(control.to)) f.fail("control " + text + " names an endpoint this topology does not have");
            t.controls.push_back(control);
        }
}

TopologyCatalog TopologyCatalog::load(const std::filesystem::path& file) {
    const auto doc = read_json_file(file);
    JsonFields top(file, "", doc);
    top.allow_only({"format", "$comment", "variants", "topologies"});
    if (top.string("format") != "macvlan-conformance/topologies/2")
        top.fail("'format' must be \"macvlan-conformance/topologies/2\"");

    TopologyCatalog catalog;
    const auto& variants = top.array("variants");
    for (size_t i = 0; i < variants.size(); ++i) {
        JsonFields f(file, "variants[" + std::to_string(i) + "]", variants[i]);
        f.allow_only({"name", "parent", "external", "static_neighbours", "description", "bond_mode", "team_runner", "far_end"});
        auto v = parse_variant(f, true);
        v.static_neighbours = f.boolean_or("static_neighbours", false);
        for (const auto& existing : catalog.variants_)
            if (existing.name == v.name) f.fail("variant '" + v.name + "' is defined twice");
        catalog.variants_.push_back(std::move(v));
    }

    const auto& topologies = top.array("topologies");
    std::set<std::string> seen;
    for (size_t i = 0; i < topologies.size(); ++i) {
        const std::string entry = "topologies[" + std::to_string(i) + "]";
        JsonFields f(file, entry, topologies[i]);
        f.allow_only({"name", "description", "variants", "slaves", "static_neighbours", "pairs", "controls", "broadcast", "$comment"});
        const auto name = f.string("name");
        if (!std::regex_match(name, std::regex("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*")))
            f.fail("topology name '" + name + "': lower-case letters, digits, '_', and '.' between parts (it is part of test names)");
        const std::string named = entry + " (" + name + ")";
        for (const auto& variant_name : parse_names(f, f.array("variants"), "variants")) {
            auto v = std::find_if(catalog.variants_.begin(), catalog.variants_.end(),
                                  [&](const VariantSpec& x) { return x.name == variant_name; });
            if (v == catalog.variants_.end()) f.fail("variant '" + variant_name + "' is not defined under 'variants'");
            TopologySpec t;
            t.name = name;
            t.description = f.string_or("description", "");
            t.variant = *v;
            parse_topology_body(t, topologies[i], file, named);
            if (topologies[i].contains("broadcast")) {
                JsonFields bf(file, named + " broadcast", topologies[i]["broadcast"]);
                bf.allow_only({"variants", "senders", "group_members"});
                const auto variants = parse_names(bf, bf.array("variants"), "variants");
                if (std::find(variants.begin(), variants.end(), t.variant.name) != variants.end()) {
                    BroadcastPlan plan{parse_names(bf, bf.array("senders"), "senders"),
                                       parse_names(bf, bf.array("group_members"), "group_members")};
                    if (plan.senders.empty()) bf.fail("'senders' must name at least one endpoint");
                    for (const auto& e : plan.senders)
                        if (!t.has(e)) bf.fail("'senders' names '" + e + "', which topology " + t.id() + " does not have");
                    for (const auto& e : plan.members)
                        if (!t.has(e)) bf.fail("'group_members' names '" + e + "', which topology " + t.id() + " does not have");
                    if (!t.has(kExt)) bf.fail("topology " + t.id() + " has no ext, and the broadcast controls are sent from ext");
                    t.broadcast = plan;
                }
                for (const auto& v : variants)
                    if (std::none_of(catalog.variants_.begin(), catalog.variants_.end(), [&](const VariantSpec& x) { return x.name == v; }))
                        bf.fail("'variants': no variant '" + v + "'");
            }
            if (!seen.insert(t.id()).second) f.fail("topology " + t.id() + " is listed twice");
            catalog.topologies_.push_back(std::move(t));
        }
    }
    return catalog;
}

TopologyCatalog TopologyCatalog::load_user_topology(const std::filesystem::path& file) {
    const auto doc = read_json_file(file);
    JsonFields f(file, "", doc);
    f.allow_only({"format", "$comment", "name", "description", "variant", "parent", "external", "static_neighbours", "slaves",
                  "pairs", "controls", "bond_mode", "team_runner", "far_end"});
    if (f.string("format") != "macvlan-conformance/topology/1") f.fail("'format' must be \"macvlan-conformance/topology/1\"");
    TopologySpec t;
    t.name = f.string("name");
    if (!std::regex_match(t.name, std::regex("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*")))
        f.fail("'name' '" + t.name + "': lower-case letters, digits, '_', and '.' between parts (it is part of test names)");
    t.description = f.string_or("description", "");
    t.variant = parse_variant(f, false);
    parse_topology_body(t, doc, file, "topology " + t.name);
    const bool any_static = t.variant.static_neighbours || !t.static_pairs.empty();
    const std::string derived = t.variant.parent == ParentKind::dummy ? "dummy"
                                : t.variant.parent == ParentKind::vlan ? "vlan"
                                : t.variant.parent == ParentKind::bond ? "bond_" + bond_mode_label(t.variant.bond_mode)
                                : t.variant.parent == ParentKind::team ? "team_" + std::string(to_string(t.variant.team_runner))
                                : t.variant.parent == ParentKind::bridge ? "bridge_parent"
                                : t.variant.parent == ParentKind::vlan_on_bond ? "vlan_on_bond"
                                : t.variant.external == ExternalKind::hairpin_bridge ? "hairpin"
                                                                                      : "plain";
    t.variant.name = f.string_or("variant", any_static ? derived + "-static" : derived);
    if (!std::regex_match(t.variant.name, std::regex("[a-z0-9][a-z0-9_-]*"))) f.fail("'variant' must be a lower-case name");
    if (t.variant.description.empty()) t.variant.description = t.description;
    TopologyCatalog catalog;
    catalog.variants_.push_back(t.variant);
    catalog.topologies_.push_back(std::move(t));
    return catalog;
}

const TopologySpec* TopologyCatalog::find(std::string_view topology, std::string_view variant) const {
    for (const auto& t : topologies_)
        if (t.name == topology && t.variant.name == variant) return &t;
    return nullptr;
}

std::vector<std::string> TopologyCatalog::variant_names() const {
    std::vector<std::string> out;
    for (const auto& v : variants_) out.push_back(v.name);
    return out;
}

void TopologyCatalog::derive_controls(const DeliveryRules& rules, const std::filesystem::path& file) {
    for (auto& t : topologies_) {
        const ReachabilityModel model(rules, t);
        if (t.controls.empty() && t.transmit_controls.empty()) {
            model.derive_controls(t);
        } else if (const auto problem = model.check_controls(t); !problem.empty()) {
            throw FixtureError(file, "topology " + t.id(), problem);
        }
    }
}

void TopologyCatalog::add(const TopologyCatalog& other) {
    for (const auto& v : other.variants_)
        if (std::none_of(variants_.begin(), variants_.end(), [&](const VariantSpec& x) { return x.name == v.name; }))
            variants_.push_back(v);
    for (const auto& t : other.topologies_) topologies_.push_back(t);
}

}  // namespace mvc
