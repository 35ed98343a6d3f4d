// SPDX-License-Identifier: MIT
// Broadcast and multicast delivery per mode: who receives a group-addressed frame sent from a slave
// (c1) or from outside (ext), compared with fixtures/expectations/broadcast.json.
#include "broadcast_suite.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <memory>
#include <mutex>
#include <optional>

#include "broadcast_expectations.hpp"
#include "delivery_probe.hpp"
#include "fixture_error.hpp"
#include "guest_slot.hpp"
#include "matrix.hpp"
#include "reachability_model.hpp"
#include "report_collector.hpp"
#include "topology.hpp"

namespace mvc {

namespace {

// What one cell's receiver saw.
struct BroadcastObservation {
    bool built = false;                // false: nothing could be measured (the message says why)
    std::optional<Delivery> observed;  // nullopt: more groups arrived than collisions explain, fewer than all
    DeliveryCount count;
    double seconds = 0;
    bool trusted = false;  // the controls got through before and after, so "not delivered" means it
    std::string problem;
};

// A multicast frame counts as delivered when every test group arrived, and as not delivered when no
// more arrived than the receiver's other subscriptions can let through by a shared filter bit (see
// delivery_test_groups). A broadcast is one frame, and every filter holds broadcast's bit. A frame
// that arrived twice in one round is neither: every receiver gets one copy (exactly one, or none).
std::optional<Delivery> verdict(const DeliveryCount& count) {
    if (count.duplicates > 0) return std::nullopt;
    if (count.received == count.sent) return Delivery::delivered;
    if (count.received <= count.collision_budget) return Delivery::not_delivered;
    return std::nullopt;
}

std::string describe(const std::optional<Delivery>& observed, const DeliveryCount& count) {
    if (observed) return std::string(to_string(*observed));
    return count.duplicates > 0 ? "delivered more than once" : "partially delivered";
}

// The control broadcasts of a topology: for every endpoint, the first sender (ext, host, then the
// slaves) whose broadcast the rules say reaches it, and for every test sender the first endpoint that
// hears it. Throws FixtureError when an endpoint could never be confirmed.
std::vector<std::pair<Endpoint, Endpoint>> broadcast_controls(const TopologySpec& t, const DeliveryRules& rules) {
    const ReachabilityModel model(rules, t);
    std::vector<std::pair<Endpoint, Endpoint>> controls;
    std::vector<Endpoint> order;
    if (t.has(kExt)) order.push_back(kExt);
    order.push_back(kHost);
    for (const auto& s : t.slaves) order.push_back(s.name);
    auto first_path = [&](const Endpoint& fixed, bool fixed_is_receiver) -> std::optional<std::pair<Endpoint, Endpoint>> {
        for (const auto& other : order) {
            if (other == fixed) continue;
            const auto& from = fixed_is_receiver ? other : fixed;
            const auto& to = fixed_is_receiver ? fixed : other;
            if (model.deliver(FrameClass::group, from, to).delivered) return std::pair{from, to};
        }
        return std::nullopt;
    };
    for (const auto& e : t.endpoints()) {
        auto c = first_path(e, true);
        if (!c)
            throw FixtureError(rules.file(), "broadcast plan of topology " + t.id(),
                               "no broadcast the rules deliver reaches " + e + ", so its 'not delivered' cells could never be confirmed");
        controls.push_back(*c);
    }
    for (const auto& s : t.broadcast->senders)
        if (auto c = first_path(s, false); c && std::find(controls.begin(), controls.end(), *c) == controls.end()) controls.push_back(*c);
    return controls;
}

using TopologyObservations = std::map<BroadcastCellId, BroadcastObservation>;

TopologyObservations not_measured(const std::vector<BroadcastCellId>& cells, const std::string& problem) {
    TopologyObservations result;
    for (const auto& c : cells) result[c] = {false, std::nullopt, {}, 0, false, problem};
    return result;
}

TopologyObservations observe_topology(const TopologySpec& spec, const std::vector<BroadcastCellId>& cells,
                                      DeliveryProbeOptions probe, const DeliveryRules& rules) {
    probe.senders = spec.broadcast->senders;
    probe.group_members = spec.broadcast->members;
    probe.controls = broadcast_controls(spec, rules);
    const GuestSlot guest_place(spec);
    std::unique_ptr<Topology> topology;
    try {
        // No address family: these cells are link-layer only, and addresses would subscribe the
        // slaves to more multicast groups (solicited-node), widening their filters.
        topology = Topology::build(spec, TopologyOptions{EndpointTuning{{}, defaults::kNeighbourRetransmitMs, false}, nullptr});
    } catch (const std::exception& e) {
        return not_measured(cells, "could not build topology " + spec.id() + ": " + e.what());
    }
    const DeliveryReport report = probe_delivery(*topology, probe);
    topology.reset();  // closes the namespaces; the kernel deletes every link in them

    TopologyObservations result;
    for (const auto& c : cells) {
        BroadcastObservation o;
        o.built = true;
        o.count = report.counts.at({c.frame, c.from, c.to});
        o.observed = verdict(o.count);
        o.trusted = report.trusted;
        if (!report.trusted) o.problem = "topology " + spec.id() + " was not confirmed working: " + report.problem;
        if (2 * o.count.collision_budget >= o.count.sent) {
            o.trusted = false;
            o.problem = c.to + " subscribes to " + std::to_string(o.count.collision_budget) +
                        " other groups, so hash collisions alone could deliver half the test groups";
        }
        o.seconds = o.observed == Delivery::delivered ? std::chrono::duration<double>(o.count.first_arrival).count()
                                                      : std::chrono::duration<double>(probe.quiet_window).count();
        result[c] = o;
    }
    return result;
}

// Every topology the selected cells need, measured at once: built in parallel, each with all of
// its cells observed from one set of frames.
class BroadcastCampaign {
public:
    BroadcastCampaign(const TopologyCatalog& catalog, const DeliveryRules& rules, std::chrono::milliseconds quiet_window,
                      std::chrono::milliseconds ready_timeout)
        : catalog_(catalog), rules_(rules) {
        probe_.quiet_window = quiet_window;
        probe_.control_timeout = ready_timeout;
    }
    ~BroadcastCampaign() { reset(); }

    bool running(const std::string& topology_id) const {
        std::lock_guard lock(mutex_);
        return runs_.count(topology_id) > 0;
    }

    // Launches every topology the cells need that is not running yet; returns at once.
    void start(const std::vector<BroadcastCellId>& cells) {
        std::map<std::string, std::vector<BroadcastCellId>> by_topology;
        for (const auto& c : cells) by_topology[c.topology_id()].push_back(c);
        std::lock_guard lock(mutex_);
        for (auto& [id, topology_cells] : by_topology) {
            if (runs_.count(id)) continue;
            const TopologySpec* spec = catalog_.find(topology_cells.front().topology, topology_cells.front().variant);
            if (!spec) throw std::logic_error("no topology " + id);
            runs_[id] = std::async(std::launch::async, [spec, topology_cells = topology_cells, probe = probe_, &rules = rules_] {
                            try {
                                return observe_topology(*spec, topology_cells, probe, rules);
                            } catch (const std::exception& e) {
                                // A harness fault must never look like a verdict: every cell reports it.
                                return not_measured(topology_cells,
                                                    "topology " + spec->id() + " failed: " + e.what());
                            }
                        }).share();
        }
    }

    // Waits for the cell's topology and returns what its receiver saw.
    BroadcastObservation observe(const BroadcastCellId& cell) {
        std::shared_future<TopologyObservations> run;
        {
            std::lock_guard lock(mutex_);
            run = runs_.at(cell.topology_id());
        }
        const auto& cells = run.get();
        auto it = cells.find(cell);
        if (it == cells.end()) throw std::logic_error("cell " + cell.name() + " was not measured");
        return it->second;
    }

    void reset() {  // waits for running topologies, forgets every result
        std::map<std::string, std::shared_future<TopologyObservations>> runs;
        {
            std::lock_guard lock(mutex_);
            runs.swap(runs_);
        }
        for (auto& [id, run] : runs) run.wait();
    }

private:
    const TopologyCatalog& catalog_;
    const DeliveryRules& rules_;
    DeliveryProbeOptions probe_;
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_future<TopologyObservations>> runs_;  // by topology id
};

struct BroadcastSuite {
    BroadcastSuite(SuiteContext& context, BroadcastExpectationSet set)
        : context(context),
          expectations(std::move(set)),
          campaign(context.catalog, context.rules, context.cell_schedule.window, context.ready_timeout) {}

    // The link-layer cells need what an IPv4 cell of the same topology needs: privileges, veth,
    // macvlan, and the bridge (hairpin) or dummy device of the variant.
    std::string skip_reason(const BroadcastCellId& cell) const {
        return context.skip_reason(*context.catalog.find(cell.topology, cell.variant), Family::ipv4);
    }

    // The registered cells GoogleTest will run in this iteration (after its own filter).
    std::vector<BroadcastCellId> cells_to_run() const {
        return cells.to_run([this](const BroadcastCellId& cell) { return skip_reason(cell); });
    }

    SuiteContext& context;
    BroadcastExpectationSet expectations;
    BroadcastCampaign campaign;
    MatrixRegistry<BroadcastCellId> cells;
};

class BroadcastCell : public ::testing::Test {
public:
    BroadcastCell(std::shared_ptr<BroadcastSuite> suite, BroadcastCellId cell)
        : suite_(std::move(suite)), cell_(std::move(cell)) {}

    void TestBody() override {
        const BroadcastExpectation& expectation = suite_->expectations.at(cell_);
        if (const auto reason = suite_->skip_reason(cell_); !reason.empty()) GTEST_SKIP() << reason;
        if (!suite_->campaign.running(cell_.topology_id())) {
            auto cells = suite_->cells_to_run();
            cells.push_back(cell_);
            suite_->campaign.start(cells);
        }
        const BroadcastObservation seen = suite_->campaign.observe(cell_);
        if (!seen.built) FAIL() << "not measured: " << seen.problem;

        const std::string counted =
            std::to_string(seen.count.received) + " of " + std::to_string(seen.count.sent) +
            (cell_.frame == FrameKind::multicast
                 ? " test groups arrived; up to " + std::to_string(seen.count.collision_budget) +
                       " may arrive by a hash collision (one per other group " + cell_.to + " subscribes to)"
                 : " broadcast arrived") +
            (seen.count.duplicates ? "; " + std::to_string(seen.count.duplicates) + " arrived twice in one round" : "");
        suite_->context.collector->set_seconds(cell_.name(), seen.seconds);
        RecordProperty("observed", describe(seen.observed, seen.count) + " (" + counted + ")");
        judge_cell({std::string(to_string(expectation.expected)), describe(seen.observed, seen.count),
                    expectation.expected == Delivery::not_delivered, seen.trusted, expectation.reason, seen.problem,
                    counted, "nothing arrived", {}, seen.observed == Delivery::not_delivered});
    }

private:
    std::shared_ptr<BroadcastSuite> suite_;
    BroadcastCellId cell_;
};

}  // namespace

void register_broadcast_suite(SuiteContext& context, const Selection& selection) {
    auto suite = std::make_shared<BroadcastSuite>(context, BroadcastExpectationSet::derive(context.catalog, context.rules));
    // These cells are link-layer frames, with no address family: a --family selection excludes them.
    if (!selection.families.empty()) return;

    // Catalog order, then frame, sender and receiver.
    for (const auto& topology : context.catalog.topologies()) {
        if (!topology.broadcast || !selection.selects(topology)) continue;
        broadcast_controls(topology, context.rules);  // refuses a plan some receiver could never confirm
        for (auto frame : kAllFrameKinds)
            for (const auto& from : topology.broadcast->senders)
                for (const auto& to : topology.endpoints()) {
                    const BroadcastCellId cell{topology.name, topology.variant.name, frame, from, to};
                    if (!selection.matches_filters(cell.name())) continue;
                    suite->cells.add(cell, *context.collector, context.data_driven_tests,
                                     {{property_names::kSuite, "broadcast"},
                                      {property_names::kTopology, topology.name},
                                      {property_names::kVariantParent, topology.variant.parent_label()},
                                      {property_names::kMode, topology.slaves.front().mode_name()},
                                      {property_names::kVariant, topology.variant.name},
                                      {property_names::kVariantDescription, topology.variant.description}},
                                     [suite](const BroadcastCellId& c) -> ::testing::Test* { return new BroadcastCell(suite, c); });
                }
    }
    if (!suite->cells.empty())
        ::testing::UnitTest::GetInstance()->listeners().Append(
            new EachIteration([suite] { suite->campaign.reset(); }, [suite] { suite->campaign.reset(); }));
}

}  // namespace mvc
