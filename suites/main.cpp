// macvlan-conformance: the conformance suite's entry point.
#include <gtest/gtest.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>

#include "cli.hpp"
#include "console_printer.hpp"
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

std::string os_release_name() {
    std::ifstream in("/etc/os-release");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("PRETTY_NAME=", 0) == 0) {
            auto v = line.substr(12);
            if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
            return v;
        }
    return "unknown";
}

std::vector<Property> run_properties(const SuiteContext& context) {
    utsname u{};
    ::uname(&u);
    std::vector<Property> p{{"kernel_release", u.release},
                            {"kernel_version", u.version},
                            {"machine", u.machine},
                            {"distro", os_release_name()},
                            {"harness_version", MVC_VERSION},
                            {"expectations", context.expectations.file().string()}};
    for (const Feature* f : context.capabilities.all())
        p.push_back({"feature." + f->name, std::string(f->present ? "present" : "absent") + ": " + f->detail});
    return p;
}

// Resets the campaign at each --repeat iteration so every iteration measures afresh.
class FreshCampaignPerIteration : public ::testing::EmptyTestEventListener {
public:
    explicit FreshCampaignPerIteration(ReachabilityCampaign& campaign) : campaign_(campaign) {}
    void OnTestIterationStart(const ::testing::UnitTest&, int) override { campaign_.reset(); }

private:
    ReachabilityCampaign& campaign_;
};

void print_difference_grids(const RunReport& report) {
    std::map<std::string, std::vector<TestRecord>> matrices;  // one grid per matrix and iteration
    for (const auto& t : report.tests) {
        if (!t.cell) continue;
        const auto hash = t.name.find('#');
        matrices[t.group + "." + t.cell->family + (hash == std::string::npos ? "" : t.name.substr(hash))].push_back(t);
    }
    for (const auto& [key, cells] : matrices)
        if (auto grid = difference_grid(cells); !grid.empty()) std::cout << "\n" << grid;
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
    try {
        NetNamespace::create().enter();
        context.capabilities = Capabilities::probe();
    } catch (const SystemError& e) {
        if (e.error() != EPERM) throw;
        context.capabilities = Capabilities::unprivileged(std::string("cannot create a network namespace: ") + e.what() +
                                                          " (run as root, or with CAP_SYS_ADMIN and CAP_NET_ADMIN)");
    }

    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new ConsolePrinter(std::cout, ::isatty(STDOUT_FILENO) == 1));
    listeners.Append(new FreshCampaignPerIteration(*context.campaign));
    listeners.Append(collector);

    const auto started = std::chrono::steady_clock::now();
    const int gtest_status = RUN_ALL_TESTS();
    context.campaign->reset();
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    report.properties = run_properties(context);

    int status = exit_code(report.counts());
    if (gtest_status != 0 && status != kExitFail) status = kExitFail;  // e.g. a failure outside any test
    try {
        if (options.junit) write_junit(report, *options.junit);
        if (options.json) write_json_report(report, *options.json);
    } catch (const std::exception& e) {
        std::cerr << "macvlan-conformance: " << e.what() << "\n";
        status = kExitFail;
    }
    print_difference_grids(report);
    const Counts c = report.counts();
    std::cout << "\nmacvlan-conformance: " << c.tests << " tests: " << c.passed << " passed, " << c.failed
              << " failed, " << c.skipped << " skipped in " << report.seconds << " s (exit " << status << ")\n";
    return status;
}
