#pragma once

#include <compare>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "addresses.hpp"
#include "topology_spec.hpp"

namespace mvc {

enum class Reach { reachable, blocked };
std::string_view to_string(Reach reach);

// One reachability cell: mode × variant × family × (from, to).
struct CellId {
    MacvlanMode mode = MacvlanMode::bridge;
    std::string variant;
    Family family = Family::ipv4;
    Endpoint from = Endpoint::host;
    Endpoint to = Endpoint::ext;

    // "reachability.vepa.hairpin.ipv4.c1_to_c2". A '-' in a variant becomes '_' because
    // GoogleTest filters treat '-' as the start of the negative patterns.
    std::string name() const;
    std::string group() const;  // "reachability.vepa.hairpin"
    std::string topology_id() const;
    auto operator<=>(const CellId&) const = default;
};

std::string name_safe(std::string_view text);  // '-' -> '_'

struct Expectation {
    Reach expected = Reach::reachable;
    std::string reason;  // one line, with the kernel function or document it rests on
};

// fixtures/expectations/reachability.json, validated against the topology catalog: every cell of
// every topology in both families is present exactly once, and every cell says why.
class ExpectationSet {
public:
    static ExpectationSet load(const std::filesystem::path& file, const TopologyCatalog& catalog);

    const Expectation& at(const CellId& cell) const;
    const std::map<CellId, Expectation>& cells() const { return cells_; }
    const std::filesystem::path& file() const { return file_; }

private:
    std::filesystem::path file_;
    std::map<CellId, Expectation> cells_;
};

}  // namespace mvc
