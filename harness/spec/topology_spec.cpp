#include "topology_spec.hpp"

#include <algorithm>
#include <set>

#include "json_fields.hpp"

namespace mvc {

std::string_view to_string(Endpoint endpoint) {
    switch (endpoint) {
        case Endpoint::host: return "host";
        case Endpoint::ext: return "ext";
        case Endpoint::c1: return "c1";
        case Endpoint::c2: return "c2";
    }
    return "?";
}

Endpoint endpoint_from_string(std::string_view text) {
    for (auto e : kAllEndpoints)
        if (to_string(e) == text) return e;
    throw std::invalid_argument("unknown endpoint '" + std::string(text) + "' (valid: host, ext, c1, c2)");
}

std::string_view to_string(ParentKind kind) {
    switch (kind) {
        case ParentKind::veth: return "veth";
        case ParentKind::vlan: return "vlan";
        case ParentKind::dummy: return "dummy";
    }
    return "?";
}

std::vector<Endpoint> TopologySpec::endpoints() const {
    std::vector<Endpoint> out{Endpoint::host};
    if (variant.external != ExternalKind::none) out.push_back(Endpoint::ext);
    out.insert(out.end(), slaves.begin(), slaves.end());
    return out;
}

bool TopologySpec::has(Endpoint endpoint) const {
    auto all = endpoints();
    return std::find(all.begin(), all.end(), endpoint) != all.end();
}

std::string TopologySpec::id() const { return std::string(to_string(mode)) + "." + variant.name; }

namespace {

VariantSpec parse_variant(const std::filesystem::path& file, size_t index, const nlohmann::json& j) {
    JsonFields f(file, "variants[" + std::to_string(index) + "]", j);
    f.allow_only({"name", "parent", "external", "static_neighbours", "description"});
    VariantSpec v;
    v.name = f.string("name");
    const auto parent = f.string("parent");
    if (parent == "veth")
        v.parent = ParentKind::veth;
    else if (parent == "vlan")
        v.parent = ParentKind::vlan;
    else if (parent == "dummy")
        v.parent = ParentKind::dummy;
    else
        f.fail("'parent' must be 'veth', 'vlan' or 'dummy', got '" + parent + "'");
    const auto external = f.string("external");
    if (external == "none")
        v.external = ExternalKind::none;
    else if (external == "plain")
        v.external = ExternalKind::plain;
    else if (external == "hairpin-bridge")
        v.external = ExternalKind::hairpin_bridge;
    else
        f.fail("'external' must be 'none', 'plain' or 'hairpin-bridge', got '" + external + "'");
    if (v.parent == ParentKind::dummy && v.external != ExternalKind::none)
        f.fail("a dummy parent has no wire, so 'external' must be 'none'");
    if (v.parent != ParentKind::dummy && v.external == ExternalKind::none)
        f.fail("a " + parent + " parent has a wire, so 'external' must be 'plain' or 'hairpin-bridge'");
    v.static_neighbours = f.boolean_or("static_neighbours", false);
    v.description = f.string("description");
    return v;
}

std::vector<Endpoint> parse_endpoints(const JsonFields& f, const nlohmann::json& list, std::string_view key) {
    std::vector<Endpoint> out;
    for (const auto& item : list) {
        if (!item.is_string()) f.fail("'" + std::string(key) + "' must list endpoint names");
        try {
            out.push_back(endpoint_from_string(item.get<std::string>()));
        } catch (const std::invalid_argument& e) {
            f.fail(std::string(key) + ": " + e.what());
        }
    }
    return out;
}

}  // namespace

TopologyCatalog TopologyCatalog::load(const std::filesystem::path& file) {
    const auto doc = read_json_file(file);
    JsonFields top(file, "", doc);
    top.allow_only({"format", "$comment", "variants", "topologies"});
    if (top.string("format") != "macvlan-conformance/topologies/1")
        top.fail("'format' must be \"macvlan-conformance/topologies/1\"");

    TopologyCatalog catalog;
    const auto& variants = top.array("variants");
    for (size_t i = 0; i < variants.size(); ++i) {
        auto v = parse_variant(file, i, variants[i]);
        for (const auto& existing : catalog.variants_)
            if (existing.name == v.name)
                throw FixtureError(file, "variants[" + std::to_string(i) + "]", "variant '" + v.name + "' is defined twice");
        catalog.variants_.push_back(std::move(v));
    }

    const auto& topologies = top.array("topologies");
    std::set<std::string> seen;
    for (size_t i = 0; i < topologies.size(); ++i) {
        JsonFields f(file, "topologies[" + std::to_string(i) + "]", topologies[i]);
        f.allow_only({"mode", "variant", "slaves", "source_allow", "controls", "transmit_controls"});
        TopologySpec t;
        try {
            t.mode = macvlan_mode_from_string(f.string("mode"));
        } catch (const std::invalid_argument& e) {
            f.fail(e.what());
        }
        const auto variant_name = f.string("variant");
        auto v = std::find_if(catalog.variants_.begin(), catalog.variants_.end(),
                              [&](const VariantSpec& x) { return x.name == variant_name; });
        if (v == catalog.variants_.end()) f.fail("variant '" + variant_name + "' is not defined under 'variants'");
        t.variant = *v;
        t.slaves = parse_endpoints(f, f.array("slaves"), "slaves");
        if (t.slaves.empty()) f.fail("'slaves' must name at least c1");
        for (auto s : t.slaves)
            if (s != Endpoint::c1 && s != Endpoint::c2) f.fail("'slaves' may only contain c1 and c2");
        if (t.mode == MacvlanMode::passthru && t.slaves.size() != 1)
            f.fail("passthru allows exactly one slave per parent (macvlan_common_newlink), so 'slaves' must be [\"c1\"]");
        if (t.variant.static_neighbours && t.slaves.size() < 2)
            f.fail("static neighbour entries are between c1 and c2, so this variant needs both slaves");
        if (const auto* allow = f.optional_array("source_allow")) {
            if (t.mode != MacvlanMode::source) f.fail("'source_allow' only applies to mode 'source'");
            t.source_allow = parse_endpoints(f, *allow, "source_allow");
        }
        if (const auto* controls = f.optional_array("controls")) {
            for (const auto& c : *controls) {
                const auto text = c.is_string() ? c.get<std::string>() : std::string();
                const auto arrow = text.find("->");
                if (arrow == std::string::npos) f.fail("'controls' entries look like \"ext->c1\", got " + c.dump());
                try {
                    t.controls.push_back({endpoint_from_string(text.substr(0, arrow)),
                                          endpoint_from_string(text.substr(arrow + 2))});
                } catch (const std::invalid_argument& e) {
                    f.fail(std::string("controls: ") + e.what());
                }
            }
        }
        if (const auto* tx = f.optional_array("transmit_controls"))
            t.transmit_controls = parse_endpoints(f, *tx, "transmit_controls");
        for (const auto& c : t.controls)
            if (!t.has(c.from) || !t.has(c.to)) f.fail("a control names an endpoint this topology does not have");
        for (auto e : t.transmit_controls)
            if (!t.has(e)) f.fail("a transmit control names an endpoint this topology does not have");
        for (auto e : t.source_allow)
            if (!t.has(e)) f.fail("'source_allow' names an endpoint this topology does not have");
        if (t.controls.empty() && t.transmit_controls.empty())
            f.fail("a topology needs at least one control, or no 'blocked' verdict could be trusted");
        if (!seen.insert(t.id()).second) f.fail("topology " + t.id() + " is listed twice");
        catalog.topologies_.push_back(std::move(t));
    }
    return catalog;
}

const TopologySpec* TopologyCatalog::find(MacvlanMode mode, std::string_view variant) const {
    for (const auto& t : topologies_)
        if (t.mode == mode && t.variant.name == variant) return &t;
    return nullptr;
}

std::vector<std::string> TopologyCatalog::variant_names() const {
    std::vector<std::string> out;
    for (const auto& v : variants_) out.push_back(v.name);
    return out;
}

}  // namespace mvc
