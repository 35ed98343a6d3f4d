// SPDX-License-Identifier: MIT
#pragma once

// A reachability matrix over endpoints that something else built and addressed: containers of an
// engine, pods of a CNI plugin. The slaves have the one address per family their software gave
// them; host and ext get a fresh address for every cell. Probed with the harness's own ICMP engine
// from inside each endpoint's namespace and judged against the same expectation data as the
// kernel suite (expected_reach).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "addresses.hpp"
#include "echo_probe.hpp"
#include "expectations.hpp"
#include "net_namespace.hpp"
#include "rtnl.hpp"
#include "topology_spec.hpp"

namespace mvc {

// The expected verdict of one cell: a look-up in the run's ExpectationSet (derived from the
// delivery rules, fixtures/rules/, with a --expectations file's overrides), the same set the
// kernel suite is held to, and the one place that changes when the expectations come from elsewhere.
const Expectation& expected_reach(const CellId& cell);
// Where those expectations come from (the rules file, and a --expectations file if any), for messages.
std::string expectation_source();

struct MatrixEndpoint {
    const NetNamespace* ns = nullptr;
    Rtnl* nl = nullptr;
    int ifindex = 0;  // its interface on the macvlan's wire: neighbours are flushed there only
    // An address in `family` for one cell: a fresh one for host and ext, the slave's own for slaves.
    std::function<IpAddress(Family)> address;
};

struct FixedAddressMatrix {
    const TopologySpec* spec = nullptr;  // its name (the cells' topology), endpoints, cell pairs, controls, variant
    std::map<Endpoint, MatrixEndpoint> endpoints;
    std::vector<Family> families;
    std::string through;  // "through Docker's macvlan driver": for the failure messages
    // Called once every address is in place, before the first probe: links up, DAD done.
    std::function<void()> wait_until_ready;
};

// What one matrix gave: per family, "from>to:verdict ..." (for the report), and the probes' time.
struct MatrixMeasurement {
    std::map<Family, std::string> observed;
    double probe_seconds = 0;
};

// Probes every cell pair of the spec (TopologySpec::cell_pairs) in every family and adds a GoogleTest failure
// for each cell whose verdict differs from expected_reach. The slaves have one address per family
// each, so cells that share one are kept apart: first every cell from host or ext (and first slave -> second slave),
// then, with every endpoint's neighbour cache flushed, every cell from a slave. That order is the
// safe one: a slave whose request reached X would teach X its address, and X->slave could then go
// out as unicast without the broadcast the verdict is about. The spec's controls are probed before
// and after; a silent one throws NotReady: "blocked" counts only in a topology that carries traffic.
MatrixMeasurement measure_fixed_address_matrix(const FixedAddressMatrix& matrix, const EchoSchedule& cells,
                                               std::chrono::milliseconds ready_timeout);

}  // namespace mvc
