// macvlan-conformance: the conformance suite's entry point.
#include <gtest/gtest.h>
#include <unistd.h>

#include <iostream>
#include <map>

#include "cli.hpp"
#include "console_printer.hpp"
#include "environment.hpp"
#include "failure_aids.hpp"
#include "html_report.hpp"
#include "ktap_writer.hpp"
#include "error.hpp"
#include "fixture_error.hpp"
#include "json_report.hpp"
#include "junit_writer.hpp"
#include "matrix_grid.hpp"
#include "net_namespace.hpp"
#include "broadcast_suite.hpp"
#include "reachability_suite.hpp"
#include "report_collector.hpp"

using namespace mvc;

namespace {

// Starts a fresh reachability campaign at each iteration (--repeat measures afresh). Starting it
// here, not at the first cell, lets it run in the background while the other suites run.
class FreshCampaignPerIteration : public ::testing::EmptyTestEventListener {
public:
    explicit FreshCampaignPerIteration(SuiteContext& context) : context_(context) {}
    void OnTestIterationStart(const ::testing::UnitTest&, int) override {
        context_.campaign->reset();
        context_.campaign->start(context_.cells_to_run());
    }

private:
    SuiteContext& context_;
};

void print_difference_grids(const RunReport& report, std::ostream& out) {
    std::map<std::string, std::vector<TestRecord>> matrices;  // one grid per matrix and iteration
    for (const auto& t : report.tests) {
        if (!t.cell) continue;
        const auto hash = t.name.find('#');
        matrices[t.group + "." + t.cell->family + (hash == std::string::npos ? "" : t.name.substr(hash))].push_back(t);
    }
    for (const auto& [key, cells] : matrices)
        if (auto grid = difference_grid(cells); !grid.empty()) out << "\n" << grid;
}

// Enters the run's private network namespace and probes the kernel. Without privileges nothing
// can be probed, and every test will skip with that reason.
Capabilities enter_sandbox_and_probe(std::optional<NetNamespace>* machine_namespace = nullptr) {
    try {
        auto original = NetNamespace::of_current_thread();
        NetNamespace::create().enter();
        if (machine_namespace) machine_namespace->emplace(std::move(original));
        return Capabilities::probe();
    } catch (const SystemError& e) {
        if (e.error() != EPERM) throw;
        return Capabilities::unprivileged(std::string("cannot create a network namespace: ") + e.what() +
                                          " (run as root, or with CAP_SYS_ADMIN and CAP_NET_ADMIN)");
    }
}

bool user_gave_gtest_filter(const CliOptions& options) {
    return std::any_of(options.gtest_arguments.begin(), options.gtest_arguments.end(),
                       [](const std::string& a) { return a.rfind("--gtest_filter", 0) == 0; });
}

// Every registered test the selection keeps, in registration order. Data-driven tests (the
// reachability cells) were only registered when selected. The other suites carry no mode,
// variant or family, so they run unless the selection names one; --filter applies to all.
std::vector<std::string> selected_test_names(const SuiteContext& context, const CliOptions& options) {
    const bool narrowed = !options.modes.empty() || !options.variants.empty() || !options.families.empty();
    std::vector<std::string> names;
    const auto* unit = ::testing::UnitTest::GetInstance();
    for (int i = 0; i < unit->total_test_suite_count(); ++i) {
        const auto* suite = unit->GetTestSuite(i);
        for (int j = 0; j < suite->total_test_count(); ++j) {
            const auto* info = suite->GetTestInfo(j);
            const std::string name = std::string(info->test_suite_name()) + "." + info->name();
            if (context.data_driven_tests.count(name) || (!narrowed && name_matches_filters(options, name)))
                names.push_back(name);
        }
    }
    return names;
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = parse_cli(argc, argv);
    if (parsed.exit_now) return *parsed.exit_now;
    const CliOptions& options = parsed.options;
    if (options.env) {
        const auto environment = Environment::observe(enter_sandbox_and_probe());
        std::cout << (options.env_json ? environment.json().dump(2) + "\n" : environment.text());
        return kExitPass;
    }

    SuiteContext context;
    set_suite_context(&context);
    try {
        const auto fixtures = options.fixtures.value_or(default_fixtures_dir());
        context.fixtures_dir = fixtures;
        context.catalog = TopologyCatalog::load(fixtures / "topologies" / "reachability.json");
        context.expectations = ExpectationSet::load(
            options.expectations.value_or(fixtures / "expectations" / "reachability.json"), context.catalog);
    } catch (const FixtureError& e) {
        std::cerr << "macvlan-conformance: " << e.what() << "\n";
        return kExitUsage;
    }
    const auto variants = context.catalog.variant_names();
    for (const auto& v : options.variants)
        if (std::find(variants.begin(), variants.end(), v) == variants.end()) {
            std::string valid;
            for (const auto& n : variants) valid += (valid.empty() ? "" : ", ") + n;
            std::cerr << "--variant: unknown variant '" << v << "' (valid: " << valid << ")\n";
            return kExitUsage;
        }

    // Catalog order (bridge, vepa, private, passthru, source; host, ext, c1, c2), as a reader expects.
    std::vector<CellId> cells;
    for (const auto& t : context.catalog.topologies())
        for (auto family : {Family::ipv4, Family::ipv6})
            for (auto from : t.endpoints())
                for (auto to : t.endpoints()) {
                    const CellId cell{t.mode, t.variant.name, family, from, to};
                    if (from != to && selected(options, cell)) cells.push_back(cell);
                }
    RunReport report;
    char hostname[256] = "localhost";
    ::gethostname(hostname, sizeof hostname - 1);
    report.hostname = hostname;
    ReportCollector* collector = new ReportCollector(report);  // owned by GoogleTest's listener list
    context.collector = collector;
    CampaignOptions campaign_options;
    campaign_options.cells.window = std::chrono::milliseconds(options.quiet_window_ms);
    campaign_options.ready_timeout = std::chrono::milliseconds(options.ready_timeout_ms);
    campaign_options.break_arp = options.inject_fault == "arp-ignore";
    campaign_options.keep_topologies = options.keep_on_failure;
    campaign_options.capture = options.pcap_dir.has_value();
    context.keep_on_failure = options.keep_on_failure;
    context.campaign = std::make_unique<ReachabilityCampaign>(context.catalog, campaign_options);
    register_reachability_suite(context, cells);
    try {
        register_broadcast_suite(context, options);
    } catch (const FixtureError& e) {
        std::cerr << "macvlan-conformance: " << e.what() << "\n";
        return kExitUsage;
    }

    std::vector<std::string> gtest_args{argv[0]};
    gtest_args.insert(gtest_args.end(), options.gtest_arguments.begin(), options.gtest_arguments.end());
    if (options.repeat > 1) gtest_args.push_back("--gtest_repeat=" + std::to_string(options.repeat));
    std::vector<char*> gtest_argv;
    for (auto& a : gtest_args) gtest_argv.push_back(a.data());
    int gtest_argc = static_cast<int>(gtest_argv.size());
    ::testing::InitGoogleTest(&gtest_argc, gtest_argv.data());

    const auto names = selected_test_names(context, options);
    if (names.empty()) {
        std::cerr << "macvlan-conformance: the selection (--mode/--variant/--family/--filter) matches no test; "
                     "see --list\n";
        return kExitUsage;
    }
    if (!user_gave_gtest_filter(options)) {
        std::string filter;
        for (const auto& n : names) filter += (filter.empty() ? "" : ":") + n;
        GTEST_FLAG_SET(filter, filter);
    }
    if (options.list) {
        for (const auto& n : names) std::cout << n << "\n";
        return kExitPass;
    }

    // The whole run happens inside a private network namespace: nothing below can touch the
    // machine's own interfaces, and every per-test namespace is anonymous.
    context.capabilities = enter_sandbox_and_probe(&context.machine_namespace);

    // KTAP on standard output owns it; progress moves to standard error.
    std::ostream& console = options.ktap && options.ktap_file.empty() ? std::cerr : std::cout;
    context.console = &console;
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new ConsolePrinter(console, ::isatty(&console == &std::cout ? STDOUT_FILENO : STDERR_FILENO) == 1));
    listeners.Append(new FreshCampaignPerIteration(context));
    listeners.Append(collector);

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
    report.properties.push_back({"expectations", context.expectations.file().string()});
    report.properties.push_back({"started", utc_timestamp(report.started)});
    report.properties.push_back({"duration_seconds", std::to_string(report.seconds)});

    int status = exit_code(report.counts());
    if (gtest_status != 0 && status != kExitFail) status = kExitFail;  // e.g. a failure outside any test
    try {
        if (options.junit) write_junit(report, *options.junit);
        if (options.json) write_json_report(report, *options.json);
        if (options.html) write_html_report(report, *options.html);
        if (options.ktap && !options.ktap_file.empty()) write_ktap(report, options.ktap_file);
        if (options.ktap && options.ktap_file.empty()) std::cout << ktap(report);
    } catch (const std::exception& e) {
        std::cerr << "macvlan-conformance: " << e.what() << "\n";
        status = kExitFail;
    }
    print_difference_grids(report, console);
    const Counts c = report.counts();
    console << "\nmacvlan-conformance: " << c.tests << " tests: " << c.passed << " passed, " << c.failed
              << " failed, " << c.skipped << " skipped in " << report.seconds << " s (exit " << status << ")\n";
    return status;
}
