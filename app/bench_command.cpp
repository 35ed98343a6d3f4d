// SPDX-License-Identifier: MIT
// `macvlan-conformance bench`: is macvlan faster than a bridge? The paths of data_path.hpp, built in
// namespaces of their own, measured with in-process traffic (traffic.hpp) in interleaved rounds,
// summarised against veth + Linux bridge (bench_report.hpp).
#include <CLI/CLI.hpp>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "bench_report.hpp"
#include "commands.hpp"
#include "data_path.hpp"
#include "error.hpp"
#include "report_file.hpp"
#include "sandbox.hpp"
#include "topology.hpp"
#include "traffic.hpp"
#include "user_namespace.hpp"
#include "utc_timestamp.hpp"

namespace mvc {

namespace {

using Clock = std::chrono::steady_clock;

// The defaults: a full run is about a minute on two cores (5 paths x 3 workloads x 7 rounds of
// 0.6 s); --quick fits CI's 20 s and still reaches the rounds a verdict needs.
constexpr unsigned kDefaultRounds = 7, kDefaultDurationMs = 600;
constexpr unsigned kQuickRounds = kRoundsForVerdict, kQuickDurationMs = 150;
// The first exchange on a fresh path resolves ARP and teaches the bridge; it is not measured.
constexpr std::chrono::milliseconds kWarmUp{30};

enum Metric : std::size_t { tcp_bulk_gbps, udp64_kpps, tcp_rr_p50_us, tcp_rr_p99_us };

std::vector<BenchMetric> metrics() {
    return {
        {"tcp_bulk_gbps", "TCP bulk throughput", "Gbit/s", true},
        {"udp64_kpps", "UDP 64-byte frames delivered", "kpackets/s", true},
        {"tcp_rr_p50_us", "TCP request/response latency, median", "\u00b5s", false},
        {"tcp_rr_p99_us", "TCP request/response latency, 99th percentile", "\u00b5s", false},
    };
}

// Why this kernel or process cannot build the path, or "" when it can.
std::string missing_for(PathKind kind, const Capabilities& caps) {
    std::vector<const Feature*> needs{&caps.veth};
    switch (kind) {
        case PathKind::macvlan_bridge:
        case PathKind::macvlan_ext: needs.push_back(&caps.macvlan); break;
        case PathKind::macvtap_ext: needs.push_back(&caps.macvtap); break;
        case PathKind::ipvlan_l2: needs.push_back(&caps.ipvlan); break;
        case PathKind::veth_bridge: needs.push_back(&caps.bridge); break;
        case PathKind::veth: break;
    }
    for (const Feature* f : needs)
        if (!f->present) return Capabilities::missing(*f);
    return "";
}

BenchEnvironment observe_environment() {
    BenchEnvironment env;
    utsname u{};
    if (::uname(&u) == 0) {
        env.kernel = u.release;
        env.hostname = u.nodename;
    }
    env.cpus = static_cast<unsigned>(::sysconf(_SC_NPROCESSORS_ONLN));
    double load[1] = {0};
    if (::getloadavg(load, 1) == 1) env.load_before = load[0];
    errno = 0;
    env.nice = ::getpriority(PRIO_PROCESS, 0);
    env.started_utc = utc_timestamp(std::chrono::system_clock::now());
    return env;
}

struct Options {
    bool quick = false;
    unsigned rounds = kDefaultRounds;
    unsigned duration_ms = kDefaultDurationMs;
    std::vector<std::string> paths;
    std::optional<std::filesystem::path> json, html;
};

// One round of one workload on one path: its values appended to the path's samples.
void measure(const DataPath& path, Metric workload, std::chrono::milliseconds duration, BenchPath& out) {
    const TrafficEnds ends{&path.client_ns(), path.client_address(), &path.server_ns(), path.server_address()};
    if (workload == tcp_bulk_gbps) {
        out.samples[tcp_bulk_gbps].push_back(tcp_bulk(ends, duration).gbit_per_second());
    } else if (workload == udp64_kpps) {
        out.samples[udp64_kpps].push_back(udp_flood(ends, duration).packets_per_second() / 1000);
    } else {
        const auto r = tcp_request_response(ends, duration);
        out.samples[tcp_rr_p50_us].push_back(r.median_us);
        out.samples[tcp_rr_p99_us].push_back(r.p99_us);
    }
}

int run_bench(const Options& options, const std::string& unprivileged_reason) {
    const auto started = Clock::now();
    BenchReport report;
    report.tool_version = MVC_VERSION;
    report.environment = observe_environment();
    report.repetitions = options.rounds;
    report.duration_ms = options.duration_ms;
    report.quick = options.quick;
    report.metrics = metrics();
    report.baseline = std::string(path_id(PathKind::veth_bridge));

    std::vector<PathKind> kinds;
    for (PathKind k : all_path_kinds()) {
        const bool chosen = options.paths.empty() || k == PathKind::veth_bridge ||  // ratios need the baseline
                            std::find(options.paths.begin(), options.paths.end(), path_id(k)) != options.paths.end();
        if (chosen) kinds.push_back(k);
    }

    const Capabilities caps = enter_sandbox_and_probe(nullptr, unprivileged_reason);
    std::vector<std::unique_ptr<DataPath>> built;
    int exit_code = kExitPass;
    for (PathKind k : kinds) {
        BenchPath p{std::string(path_id(k)), std::string(path_title(k)), std::string(path_description(k)),
                    path_has_user_space_relay(k), "", "", std::vector<std::vector<double>>(report.metrics.size())};
        std::unique_ptr<DataPath> path;
        p.skipped = caps.privileges.present ? missing_for(k, caps) : Capabilities::missing(caps.privileges);
        if (p.skipped.empty()) {
            try {
                path = DataPath::build(k, Clock::now() + defaults::kReadyTimeout);
                tcp_request_response({&path->client_ns(), path->client_address(), &path->server_ns(), path->server_address()}, kWarmUp);
            } catch (const NetlinkError& e) {
                if (e.error() == EOPNOTSUPP) p.skipped = e.what();
                else p.failed = std::string("building it failed: ") + e.what();
                path.reset();
            } catch (const std::exception& e) {
                p.failed = std::string("building it failed: ") + e.what();
                path.reset();
            }
        }
        if (!p.failed.empty()) exit_code = kExitFail;
        report.paths.push_back(std::move(p));
        built.push_back(std::move(path));
    }
    if (std::none_of(built.begin(), built.end(), [](const auto& p) { return p != nullptr; })) {
        std::cout << bench_text(report);
        std::cerr << "macvlan-conformance bench: no path could be measured\n";
        return exit_code == kExitFail ? kExitFail : kExitAllSkipped;
    }

    const std::chrono::milliseconds duration(options.duration_ms);
    for (unsigned round = 1; round <= options.rounds; ++round) {
        for (Metric workload : {tcp_bulk_gbps, udp64_kpps, tcp_rr_p50_us})
            for (std::size_t i = 0; i < built.size(); ++i) {
                if (!built[i]) continue;
                try {
                    measure(*built[i], workload, duration, report.paths[i]);
                } catch (const std::exception& e) {
                    report.paths[i].failed = "round " + std::to_string(round) + ": " + e.what();
                    built[i].reset();
                    exit_code = kExitFail;
                }
            }
        std::cerr << "bench: round " << round << "/" << options.rounds << " done ("
                  << static_cast<int>(std::chrono::duration<double>(Clock::now() - started).count()) << " s)\n";
    }
    built.clear();  // closes every namespace: the kernel deletes the paths' links
    double load[1] = {0};
    if (::getloadavg(load, 1) == 1) report.environment.load_after = load[0];
    report.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();

    std::cout << bench_text(report) << std::flush;
    try {
        if (options.json) write_report_file(*options.json, bench_json(report), "bench JSON report");
        if (options.html) write_report_file(*options.html, bench_html(report), "bench HTML report");
    } catch (const std::exception& e) {
        std::cerr << "macvlan-conformance bench: " << e.what() << "\n";
        return kExitUsage;
    }
    return exit_code;
}

}  // namespace

int bench_command(int argc, char** argv) {
    CLI::App app{"Is macvlan faster than a bridge? Builds each data path in namespaces of its own (two bridge-mode "
                 "macvlans on one parent, a macvlan and the far end of its parent's wire, a macvtap guest and that far "
                 "end, two ipvlan L2 slaves, two veths into a Linux bridge, one veth pair), sends TCP bulk, UDP 64-byte "
                 "and TCP request/response traffic through each from inside this process, in interleaved rounds, and "
                 "reports each path's median, spread and ratio to veth + Linux bridge, with a verdict only where the "
                 "spread allows one. Everything it builds goes when it exits",
                 "macvlan-conformance bench"};
    app.get_formatter()->column_width(34);
    Options o;
    std::vector<std::string> ids;
    for (PathKind k : all_path_kinds()) ids.emplace_back(path_id(k));
    app.add_flag("--quick", o.quick,
                               "A short run for CI (" + std::to_string(kQuickRounds) + " rounds of " +
                                   std::to_string(kQuickDurationMs) + " ms, under 20 s on two cores)");
    auto* rounds = app.add_option("--repetitions", o.rounds,
                                  "Rounds: each measures every workload on every path once, the paths interleaved "
                                  "(default " + std::to_string(kDefaultRounds) + "; a verdict needs at least " +
                                      std::to_string(kRoundsForVerdict) + ")")
                       ->type_name("N")
                       ->check(CLI::Range(1u, 1000u));
    auto* duration = app.add_option("--duration-ms", o.duration_ms,
                                    "How long each workload runs on each path in each round (default " +
                                        std::to_string(kDefaultDurationMs) + ")")
                         ->type_name("MS")
                         ->check(CLI::Range(20u, 60000u));
    app.add_option("--path", o.paths, "Only these paths (repeatable; the baseline veth-bridge is always measured)")
        ->type_name("PATH")
        ->check(CLI::IsMember(ids));
    // Refused before a minute of measuring, not after: the report's directory must exist.
    const auto writable_place = [](const std::string& file) -> std::string {
        const auto dir = std::filesystem::absolute(file).parent_path();
        if (std::filesystem::is_directory(dir)) return "";
        return "'" + dir.string() + "' is not a directory: create it first, or write the report elsewhere";
    };
    app.add_option("--json", o.json, "Write every path x workload (median, spread, ratio, verdict, the rounds) as JSON")
        ->type_name("FILE")
        ->check(writable_place);
    app.add_option("--html", o.html, "Write a self-contained HTML page with a bar chart (SVG) per workload")
        ->type_name("FILE")
        ->check(writable_place);
    app.footer(R"(Paths: )" + [&] {
        std::string s;
        for (const auto& id : ids) s += (s.empty() ? "" : ", ") + id;
        return s;
    }() + R"(

Exit codes:
  0  every path that this kernel has was measured
  1  a path could not be built or stopped carrying traffic
  2  usage error: a bad flag or value, or a report file that cannot be written
  4  no path could be measured (no privileges for namespaces))");
    try {
        app.parse(argc - 1, argv + 1);
        if (o.quick) {
            if (rounds->count() || duration->count())
                throw CLI::ValidationError("--quick", "sets the rounds and the duration itself: give it alone, or "
                                                      "--repetitions and --duration-ms without it");
            o.rounds = kQuickRounds;
            o.duration_ms = kQuickDurationMs;
        }
    } catch (const CLI::CallForHelp& e) {
        app.exit(e);
        return kExitPass;
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitUsage;
    }

    std::string unprivileged_reason = "run as root, or with CAP_SYS_ADMIN and CAP_NET_ADMIN";
    if (::geteuid() != 0) {
        const auto why_not = enter_rootless_user_namespace();
        if (!why_not.empty()) unprivileged_reason = why_not + "; run as root instead";
    }
    try {
        return run_bench(o, unprivileged_reason);
    } catch (const std::exception& e) {
        std::cerr << "macvlan-conformance bench: " << e.what() << "\n";
        return kExitFail;
    }
}

}  // namespace mvc
