// macvlan-conformance: the conformance suite's entry point.
#include <CLI/CLI.hpp>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <iostream>
#include <map>

#include "cli.hpp"
#include "console_printer.hpp"
#include "environment.hpp"
#include "failure_aids.hpp"
#include "interface_journal.hpp"
#include "lent_wire_session.hpp"
#include "journal_replay.hpp"
#include "remote_shell.hpp"
#include "user_namespace.hpp"
#include "html_report.hpp"
#include "ktap_writer.hpp"
#include "merged_table.hpp"
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
// here, not at the first cell, lets it run in the background while the other suites run; on a lent
// wire it must not, since other suites use that parent too, and the first cell starts it instead.
class FreshCampaignPerIteration : public ::testing::EmptyTestEventListener {
public:
    explicit FreshCampaignPerIteration(SuiteContext& context) : context_(context) {}
    void OnTestIterationStart(const ::testing::UnitTest&, int) override {
        context_.campaign->reset();
        if (!context_.lent_wire) context_.campaign->start(context_.cells_to_run());
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
// Enters the run's private network namespace and probes the kernel. Without privileges nothing
// can be probed, and every test will skip with that reason.
Capabilities enter_sandbox_and_probe(std::optional<NetNamespace>* machine_namespace, const std::string& unprivileged_reason) {
    try {
        auto original = NetNamespace::of_current_thread();
        NetNamespace::create().enter();
        if (machine_namespace) machine_namespace->emplace(std::move(original));
        return Capabilities::probe();
    } catch (const SystemError& e) {
        if (e.error() != EPERM) throw;
        return Capabilities::unprivileged(std::string("cannot create a network namespace: ") + e.what() + " (" +
                                          unprivileged_reason + ")");
    }
}

// A zombie (killed, not yet reaped) counts as gone: it will never restore anything itself.
bool process_alive(int pid) {
    if (::kill(pid, 0) != 0) return errno != ESRCH;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto paren = line.rfind(')');
    return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

// `macvlan-conformance restore`: replays journals a crashed run left behind.
int restore_journals(const CliOptions& options) {
    std::vector<std::filesystem::path> files(options.restore_journals.begin(), options.restore_journals.end());
    if (files.empty())
        for (const auto& f : InterfaceJournal::list()) {
            const auto journal = InterfaceJournal::read(f);
            if (!process_alive(journal.pid)) files.push_back(f);  // its run is gone
            else std::cout << "skipping " << f.string() << ": process " << journal.pid << " is still running\n";
        }
    if (files.empty()) {
        std::cout << "nothing to restore: no journal in " << InterfaceJournal::kDirectory << " belongs to a finished run\n";
        return kExitPass;
    }
    const NetNamespace machine = NetNamespace::of_current_thread();
    RemoteShell::remove_stale_control_directories();
    int status = kExitPass;
    for (const auto& f : files) {
        try {
            const auto journal = InterfaceJournal::read(f);
            const auto problems = replay_journal(journal, machine);
            std::string names;
            for (const auto& i : journal.interfaces) names += (names.empty() ? "" : ", ") + i.name + " (" + i.role + ")";
            if (journal.remote) names += ", " + journal.remote->original.name + " on " + journal.remote->destination + " (remote peer)";
            if (problems.empty()) {
                std::cout << "restored " << names << " from " << f.string() << " (journal removed)\n";
            } else {
                status = kExitFail;
                std::cout << "could not fully restore " << names << " from " << f.string() << ":\n";
                for (const auto& p : problems) std::cout << "  " << p << "\n";
            }
        } catch (const std::exception& e) {
            status = kExitFail;
            std::cout << f.string() << ": " << e.what() << "\n";
        }
    }
    return status;
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

// `macvlan-conformance merge REPORT...`: one table of several runs (kernels), text and HTML.
int merge_command(int argc, char** argv) {
    CLI::App app{"Merge the reports of several runs (for example one per kernel) into one table: kernel x mode x "
                 "variant x family, pass/fail/skip per group, with the rows where kernels differ marked",
                 "macvlan-conformance merge"};
    std::vector<std::filesystem::path> reports;
    std::optional<std::filesystem::path> html, text;
    app.add_option("REPORT", reports, "JSON (--json) or JUnit (--junit) reports")->required()->check(CLI::ExistingFile);
    app.add_option("--html", html, "Also write the table as a self-contained HTML file")->type_name("FILE");
    app.add_option("--text", text, "Write the text table to FILE instead of standard output")->type_name("FILE");
    try {
        app.parse(argc - 1, argv + 1);
    } catch (const CLI::CallForHelp& e) {
        app.exit(e);
        return kExitPass;
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitUsage;
    }
    try {
        const auto table = merge_reports(reports);
        if (text)
            write_merged_text(table, *text);
        else
            std::cout << merged_text(table);
        if (html) write_merged_html(table, *html);
    } catch (const std::exception& e) {
        std::cerr << "macvlan-conformance merge: " << e.what() << "\n";
        return kExitUsage;
    }
    return kExitPass;
}

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "merge") return merge_command(argc, argv);
    auto parsed = parse_cli(argc, argv);
    if (parsed.exit_now) return *parsed.exit_now;
    const CliOptions& options = parsed.options;
    const bool lending = !options.parent.empty();
    // Before any thread exists: signals must reach only the watcher that restores lent interfaces.
    if (lending) block_termination_signals();

    // Without root, a user namespace in which this user is root still allows everything the default
    // (veth) run needs. Interfaces of the machine itself need real CAP_NET_ADMIN.
    std::string unprivileged_reason = "run as root, or with CAP_SYS_ADMIN and CAP_NET_ADMIN";
    bool rootless = false;
    if (::geteuid() != 0) {
        if (lending || options.restore) {
            std::cerr << "macvlan-conformance: " << (lending ? "--parent" : "restore")
                      << " changes interfaces in this machine's own network namespace and needs CAP_NET_ADMIN there: "
                         "run it as root (sudo)\n";
            return kExitUsage;
        }
        const auto why_not = enter_rootless_user_namespace();
        rootless = why_not.empty();
        if (!rootless) unprivileged_reason = why_not + "; run as root instead";
    }
    if (options.restore) return restore_journals(options);
    if (options.env) {
        const auto environment = Environment::observe(enter_sandbox_and_probe(nullptr, unprivileged_reason));
        std::cout << (options.env_json ? environment.json().dump(2) + "\n" : environment.text());
        return kExitPass;
    }

    SuiteContext context;
    set_suite_context(&context);
    context.rootless = rootless;
    if (lending) context.lent_parent = options.parent;
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
    // On a lent wire the variants are what the user declared: plain, or hairpin with --peer-hairpin.
    auto lent_variant = [&](const TopologySpec& t) {
        if (t.variant.parent != ParentKind::veth) return false;
        return options.peer_hairpin ? t.variant.external == ExternalKind::hairpin_bridge
                                    : t.variant.external == ExternalKind::plain;
    };
    std::vector<CellId> cells;
    for (const auto& t : context.catalog.topologies()) {
        if (lending && !lent_variant(t)) continue;
        for (auto family : {Family::ipv4, Family::ipv6})
            for (auto from : t.endpoints())
                for (auto to : t.endpoints()) {
                    const CellId cell{t.mode, t.variant.name, family, from, to};
                    if (from != to && selected(options, cell)) cells.push_back(cell);
                }
    }
    RunReport report;
    char hostname[256] = "localhost";
    ::gethostname(hostname, sizeof hostname - 1);
    report.hostname = hostname;
    ReportCollector* collector = new ReportCollector(report);  // owned by GoogleTest's listener list
    context.collector = collector;
    context.keep_on_failure = options.keep_on_failure;
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
    // machine's own interfaces, and every per-test namespace is anonymous. Only a lent wire and the
    // Docker suite reach back into the machine's namespace, on objects they name or create.
    context.capabilities = enter_sandbox_and_probe(rootless ? nullptr : &context.machine_namespace, unprivileged_reason);
    if (rootless)
        context.capabilities.privileges.detail = "rootless: inside a user namespace where this user is root (uid " +
                                                 std::to_string(::getuid()) + " inside); the machine's own namespace is out of reach";

    std::unique_ptr<LentWireSession> lent;
    if (lending) {
        if (!context.machine_namespace) {
            std::cerr << "macvlan-conformance: --parent: " << Capabilities::missing(context.capabilities.privileges) << "\n";
            return kExitUsage;
        }
        try {
            lent = std::make_unique<LentWireSession>(*context.machine_namespace,
                                                     LentWireRequest{options.parent, options.peer, options.peer_hairpin, options.allow_busy_parent,
                                                                     options.remote, options.remote_if, options.remote_ssh_config});
        } catch (const RefusedRequest& e) {
            std::cerr << "macvlan-conformance: " << e.what() << "\n";
            return kExitUsage;
        }
        restore_on_termination_signal(*lent);
        context.lent_wire = &lent->wire();
    }

    CampaignOptions campaign_options;
    campaign_options.cells.window = std::chrono::milliseconds(options.quiet_window_ms);
    context.cell_schedule = campaign_options.cells;
    campaign_options.ready_timeout = std::chrono::milliseconds(options.ready_timeout_ms);
    campaign_options.break_arp = options.inject_fault == "arp-ignore";
    campaign_options.keep_topologies = options.keep_on_failure;
    campaign_options.capture = options.pcap_dir.has_value();
    if (lent) {
        // One parent can host only one topology at a time: its slaves' modes would meet.
        campaign_options.wire = &lent->wire();
        campaign_options.max_parallel_topologies = 1;
    }
    context.campaign = std::make_unique<ReachabilityCampaign>(context.catalog, campaign_options);

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
    if (lent) {
        context.lent_wire = nullptr;
        const auto problems = lent->restore();
        for (const auto& p : lent->properties()) {
            auto existing = std::find_if(report.properties.begin(), report.properties.end(), [&](const Property& q) { return q.name == p.name; });
            if (existing != report.properties.end()) existing->value = p.value;
            else report.properties.push_back(p);
        }
        report.properties.push_back({"lent_interfaces_restored", problems.empty() ? "yes" : "NO: see the run's output"});
        for (const auto& p : problems) console << "macvlan-conformance: restore: " << p << "\n";
        if (!problems.empty()) status = kExitFail;
        else console << "restored " << options.parent << " and " << lent->request().peer_description() << " to their original state\n";
    }
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
