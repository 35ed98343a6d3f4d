// SPDX-License-Identifier: MIT
// The conformance run: fixtures → tests registered → GoogleTest's selection → the sandbox → the
// lent interfaces (if any) → the campaign → RUN_ALL_TESTS → debugging aids → restore → reports.
// The order matters: tests must be registered before GoogleTest parses its flags, the sandbox must
// be entered before any thread starts probing, and a lent wire is restored before the reports are
// written (the reports say whether the restore worked).
#include <gtest/gtest.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "broadcast_suite.hpp"
#include "commands.hpp"
#include "console_printer.hpp"
#include "environment.hpp"
#include "failure_aids.hpp"
#include "kernel_log_watch.hpp"
#include "fixture_error.hpp"
#include "lent_wire_session.hpp"
#include "neighbour_budget.hpp"
#include "reachability_suite.hpp"
#include "report_collector.hpp"
#include "run_reports.hpp"
#include "sandbox.hpp"
#include "test_plan.hpp"

namespace mvc {

namespace {

// The shipped (or given) topologies and expectations; the message of a refused file names it.
bool load_fixtures(SuiteContext& context, const CliOptions& options) {
    try {
        const auto fixtures = options.fixtures.value_or(default_fixtures_dir());
        context.fixtures_dir = fixtures;
        // A user's topologies replace the shipped ones: the run measures what the user described.
        if (options.topologies.empty()) {
            context.catalog = TopologyCatalog::load(fixtures / "topologies" / "reachability.json");
        } else {
            for (const auto& file : options.topologies) context.catalog.add(TopologyCatalog::load_user_topology(file));
        }
        const auto rules_file = options.rules.value_or(fixtures / "rules" / "delivery.json");
        context.rules = DeliveryRules::load(rules_file);
        context.catalog.derive_controls(context.rules, options.topologies.empty() ? fixtures / "topologies" / "reachability.json"
                                                                                  : options.topologies.front());
        context.expectations = ExpectationSet::derive(context.catalog, context.rules);
        if (options.expectations) context.expectations.apply_overrides(*options.expectations, context.catalog);
    } catch (const FixtureError& e) {
        std::cerr << "macvlan-conformance: " << e.what() << "\n";
        return false;
    }
    const auto variants = context.catalog.variant_names();
    for (const auto& v : options.selection.variants)
        if (std::find(variants.begin(), variants.end(), v) == variants.end()) {
            std::string valid;
            for (const auto& n : variants) valid += (valid.empty() ? "" : ", ") + n;
            std::cerr << "--variant: unknown variant '" << v << "' (valid: " << valid << ")\n";
            return false;
        }
    return true;
}

std::unique_ptr<LentWireSession> lend_interfaces(const SuiteContext& context, const CliOptions& options) {
    if (!context.machine_namespace) {
        std::cerr << "macvlan-conformance: --parent: " << Capabilities::missing(context.capabilities.privileges) << "\n";
        return nullptr;
    }
    try {
        auto lent = std::make_unique<LentWireSession>(
            *context.machine_namespace, LentWireRequest{options.parent, options.peer, options.peer_hairpin, options.allow_busy_parent,
                                                        options.remote, options.remote_if, options.remote_ssh_config});
        restore_on_termination_signal(*lent);
        return lent;
    } catch (const RefusedRequest& e) {
        std::cerr << "macvlan-conformance: " << e.what() << "\n";
        return nullptr;
    }
}

CampaignOptions campaign_options(const SuiteContext& context, const CliOptions& options) {
    CampaignOptions o;
    o.cells = context.cell_schedule;
    o.ready_timeout = context.ready_timeout;
    o.break_arp = options.inject_fault.arp_ignore;
    o.keep_topologies = options.keep_on_failure;
    o.capture = options.pcap_dir.has_value();
    o.wires = context.wires;
    return o;
}

// Puts the lent interfaces back and says so in the report. Returns false when something could not
// be restored (the journal is kept for `restore`).
bool restore_lent_interfaces(LentWireSession& lent, RunReport& report, std::ostream& console) {
    const auto problems = lent.restore();
    for (const auto& [name, value] : lent.properties()) {
        auto existing = std::find_if(report.properties.begin(), report.properties.end(), [&](const Property& q) { return q.name == name; });
        if (existing != report.properties.end()) existing->value = value;
        else report.properties.push_back({name, value});
    }
    report.properties.push_back({"lent_interfaces_restored", problems.empty() ? "yes" : "NO: see the run's output"});
    for (const auto& p : problems) console << "macvlan-conformance: restore: " << p << "\n";
    if (problems.empty())
        console << "restored " << lent.request().parent << " and " << lent.request().peer_description() << " to their original state\n";
    return problems.empty();
}

}  // namespace

int run_command(const CliOptions& options, char* program, bool rootless, const std::string& unprivileged_reason) {
    const bool lending = !options.parent.empty();
    SuiteContext context;
    set_suite_context(&context);
    context.rootless = rootless;
    context.keep_on_failure = options.keep_on_failure;
    context.cell_schedule.window = std::chrono::milliseconds(options.quiet_window_ms);
    if (options.fixed_quiet_window) context.cell_schedule.pace = 0;
    context.ready_timeout = std::chrono::milliseconds(options.ready_timeout_ms);
    if (lending) context.lent_parent = options.parent;
    if (!load_fixtures(context, options)) return kExitUsage;

    RunReport report;
    // The kernel log is read from here on: the run's start.
    auto kernel_log = std::make_unique<KernelLogWatch>(report);
    char hostname[256] = "localhost";
    ::gethostname(hostname, sizeof hostname - 1);
    report.hostname = hostname;
    // GoogleTest's listener list owns it once appended; until then (--list, a usage error) this does
    // (LeakSanitizer found every early return leaking it).
    auto collector = std::make_unique<ReportCollector>(report);
    context.collector = collector.get();
    register_reachability_suite(context, selected_cells(context.catalog, options));
    try {
        register_broadcast_suite(context, options.selection);
    } catch (const FixtureError& e) {
        std::cerr << "macvlan-conformance: " << e.what() << "\n";
        return kExitUsage;
    }

    init_googletest(program, options);
    const auto names = selected_test_names(context, options);
    if (names.empty()) {
        std::cerr << "macvlan-conformance: the selection (--mode/--variant/--family/--filter) matches no test; see --list\n";
        return kExitUsage;
    }
    restrict_googletest_to(names, options);
    if (options.list) {
        for (const auto& n : names) std::cout << n << "\n";
        return kExitPass;
    }

    // The neighbour tables are the machine's, shared by every namespace: read their limits while this
    // process is still in the initial namespace, where they are visible.
    NeighbourBudget::set_limits(NeighbourBudget::read_limits());

    // The whole run happens inside a private network namespace: nothing below can touch the
    // machine's own interfaces, and every per-test namespace is anonymous. Only a lent wire and the
    // Docker suite reach back into the machine's namespace, on objects they name or create.
    context.capabilities = enter_sandbox_and_probe(rootless ? nullptr : &context.machine_namespace, unprivileged_reason);
    if (rootless)
        context.capabilities.privileges.detail = "rootless: inside a user namespace where this user is root (uid " +
                                                 std::to_string(::getuid()) + " inside); the machine's own namespace is out of reach";
    // A slow or lossy cable on every fresh wire (--inject-fault delay:MS, loss:N), for the life of the run.
    std::unique_ptr<FreshWires> faulty_cables;
    if (options.inject_fault.cable_delay.count() > 0 || options.inject_fault.loss_percent > 0) {
        faulty_cables = std::make_unique<FreshWires>(options.inject_fault.cable_delay, options.inject_fault.loss_percent);
        context.wires = faulty_cables.get();
    }
    std::unique_ptr<LentWireSession> lent;
    if (lending) {
        lent = lend_interfaces(context, options);
        if (!lent) return kExitUsage;
        context.wires = &lent->wires();
    }
    context.campaign = std::make_unique<ReachabilityCampaign>(context.catalog, campaign_options(context, options));

    // KTAP on standard output owns it; progress moves to standard error.
    std::ostream& console = options.ktap && options.ktap_file.empty() ? std::cerr : std::cout;
    context.console = &console;
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new ConsolePrinter(console, ::isatty(&console == &std::cout ? STDOUT_FILENO : STDERR_FILENO) == 1));
    // Each iteration measures afresh. Started at the iteration's start, the campaign runs in the
    // background while the other suites run; on a lent wire it must not (other suites use that
    // parent too), and the first cell starts it instead.
    listeners.Append(new EachIteration(
        [&context] {
            context.campaign->reset();
            if (!context.wire_source().borrowed()) context.campaign->start(context.cells_to_run());
        },
        nullptr));
    listeners.Append(collector.release());
    // Last: its OnTestEnd runs first, so a kernel splat fails the test before anyone reports it.
    listeners.Append(kernel_log.release());

    report.started = std::chrono::system_clock::now();
    const auto started = std::chrono::steady_clock::now();
    const int gtest_status = RUN_ALL_TESTS();
    const auto failures = failed_cells(report, context);
    try {
        if (options.pcap_dir) write_failure_captures(*context.campaign, failures, *options.pcap_dir, console);
        if (options.keep_on_failure) keep_failing_topologies(*context.campaign, failures, console);
    } catch (const std::exception& e) {
        console << "macvlan-conformance: " << e.what() << "\n";
    }
    context.campaign->reset();
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    report.properties = Environment::observe(context.capabilities).properties();
    report.properties.push_back({"expectations", context.expectations.source()});
    report.properties.push_back({"started", utc_timestamp(report.started)});
    report.properties.push_back({"duration_seconds", std::to_string(report.seconds)});
    report.properties.push_back({"neighbour_budget", NeighbourBudget::limits().source});
    report.properties.push_back({"kernel_log", report.kernel_log});
    report.properties.push_back({"kernel_splats", std::to_string(report.kernel_splats.size())});
    if (options.inject_fault.arp_ignore) report.properties.push_back({"injected_fault", "arp-ignore"});
    if (options.inject_fault.cable_delay.count() > 0)
        report.properties.push_back({"injected_cable_delay_ms", std::to_string(options.inject_fault.cable_delay.count())});
    if (options.inject_fault.loss_percent > 0)
        report.properties.push_back({"injected_loss_percent", std::to_string(options.inject_fault.loss_percent)});
    if (options.inject_fault.loss_percent > 0)
        report.properties.push_back({"injected_loss_frames_dropped", std::to_string(context.campaign->frames_lost_on_wires())});

    int status = exit_code(report.counts());
    if (!report.kernel_splats.empty()) status = kExitFail;  // also one between tests: the kernel complained during the run
    if (gtest_status != 0 && status != kExitFail) status = kExitFail;  // e.g. a failure outside any test
    if (lent) {
        context.wires = nullptr;
        if (!restore_lent_interfaces(*lent, report, console)) status = kExitFail;
    }
    if (!write_run_reports(report, options)) status = kExitFail;
    print_run_summary(report, status, console);
    return status;
}

}  // namespace mvc
