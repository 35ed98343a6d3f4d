#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "rtnl.hpp"

namespace mvc {

// The four places traffic starts from or goes to (see README, "Topology").
enum class Endpoint : uint8_t { host, ext, c1, c2 };
inline constexpr Endpoint kAllEndpoints[] = {Endpoint::host, Endpoint::ext, Endpoint::c1, Endpoint::c2};

std::string_view to_string(Endpoint endpoint);
Endpoint endpoint_from_string(std::string_view text);  // throws std::invalid_argument

// veth: the parent is one end of a veth pair. vlan: the parent is an 802.1Q sub-interface (VLAN 10)
// of such a veth, with a matching sub-interface as the peer. dummy: a parent with no wire.
enum class ParentKind { veth, vlan, dummy };
enum class ExternalKind { none, plain, hairpin_bridge };
std::string_view to_string(ParentKind kind);

struct VariantSpec {
    std::string name;  // "plain", "hairpin", "hairpin-static", "dummy"
    ParentKind parent = ParentKind::veth;
    ExternalKind external = ExternalKind::plain;
    bool static_neighbours = false;  // permanent neighbour entries between the slaves
    std::string description;
};

struct EchoControl {
    Endpoint from;
    Endpoint to;
};

// One mode on one variant: everything needed to build it and to know it is ready.
struct TopologySpec {
    MacvlanMode mode = MacvlanMode::bridge;
    VariantSpec variant;
    std::vector<Endpoint> slaves;        // c1 (and c2), each in its own namespace
    std::vector<Endpoint> source_allow;  // source mode: whose MAC is on the allow-list
    std::vector<EchoControl> controls;   // paths that must answer before "blocked" means anything
    std::vector<Endpoint> transmit_controls;  // endpoints whose frames must be seen on the parent

    std::vector<Endpoint> endpoints() const;  // host, ext when there is a wire, then the slaves
    bool has(Endpoint endpoint) const;
    std::string id() const;  // "vepa.hairpin-static"
};

// fixtures/topologies/reachability.json: which variants exist and which mode runs on which.
class TopologyCatalog {
public:
    static TopologyCatalog load(const std::filesystem::path& file);  // throws FixtureError
    const std::vector<TopologySpec>& topologies() const { return topologies_; }
    const TopologySpec* find(MacvlanMode mode, std::string_view variant) const;
    std::vector<std::string> variant_names() const;

private:
    std::vector<TopologySpec> topologies_;
    std::vector<VariantSpec> variants_;
};

}  // namespace mvc
