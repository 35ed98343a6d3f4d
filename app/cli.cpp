// SPDX-License-Identifier: MIT
#include "cli.hpp"
#include "remote_peer.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

namespace mvc {

namespace {

const char* kFooter = R"(  merge REPORT... [--html FILE] [--text FILE]
                                  Put the JSON or JUnit reports of several runs (for example one per kernel) side by side in one table, then exit
  bench [--quick] [--repetitions N] [--duration-ms MS] [--path PATH] [--json FILE] [--html FILE]
                                  Is macvlan faster than a bridge? Measure macvlan, macvtap, ipvlan, veth + Linux bridge and a veth pair side by side (TCP bulk, UDP 64-byte, TCP request/response; see bench --help), then exit

Test names:
  reachability.<topology>.<variant>.<family>.<from>_to_<to>, e.g.
  reachability.vepa.hairpin.ipv4.c1_to_c2 ('-' in a variant name is written '_';
  a topology is a mode, mixed.<mode>_<mode>, or a layout's name), or
  broadcast.<mode>.<variant>.<frame>.from_<sender>.to_<receiver>; the other suites
  (Promisc, Passthru, LinkErrors, SourceMode, BcQueueLen, ...) run unless --mode,
  --variant or --family narrow the run. --filter applies to every name.
  GoogleTest's own --gtest_* flags are passed through.

Exit codes (kselftest convention):
  0  every selected test passed (skips allowed)
  1  at least one test failed or was inconclusive (a silence that proves nothing), or the
     kernel logged a splat (WARNING, BUG, Oops, KASAN/UBSAN) during the run
  2  usage error: a bad flag or value, a malformed fixture file, or an interface refused for --parent
  4  every selected test was skipped (e.g. a kernel feature is missing))";

}  // namespace

std::filesystem::path default_fixtures_dir() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto installed = exe.parent_path().parent_path() / "share" / "macvlan-conformance" / "fixtures";
        if (std::filesystem::exists(installed / "rules" / "delivery.json")) return installed;
    }
    return MVC_SOURCE_FIXTURES;
}

ParsedCli parse_cli(int argc, char** argv) {
    ParsedCli parsed;
    CliOptions& o = parsed.options;
    std::vector<std::string> ours;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--gtest_", 0) == 0)
            o.gtest_arguments.push_back(arg);
        else
            ours.push_back(arg);
    }
    std::reverse(ours.begin(), ours.end());  // CLI11 takes the arguments reversed

    CLI::App app{"Conformance suite for Linux macvlan: builds topologies in private network namespaces, "
                 "probes who can reach whom in every macvlan mode, and reports in JUnit XML and JSON.",
                 "macvlan-conformance"};
    app.get_formatter()->column_width(34);
    app.add_option("--junit", o.junit, "Write a JUnit XML report (valid under the Jenkins xunit and Ant schemas)")->type_name("FILE");
    app.add_option("--json", o.json, "Write a JSON report with every cell's expected and observed value")->type_name("FILE");
    auto* ktap = app.add_option("--ktap", o.ktap_file, "Write KTAP version 1 (to standard output when FILE is omitted; "
                                                       "progress then goes to standard error)")
                     ->type_name("[FILE]")
                     ->expected(0, 1);
    app.add_option("--html", o.html, "Write a self-contained HTML report: coloured matrices, observations, environment")
        ->type_name("FILE");
    app.add_flag("--keep-on-failure", o.keep_on_failure,
                 "Leave each failing topology alive, its namespaces pinned under /run/netns, and print how to inspect "
                 "and remove it");
    app.add_option("--pcap-dir", o.pcap_dir,
                   "For every failed reachability cell, write the frames seen on its endpoints' interfaces during the "
                   "probes as pcap files (readable by tcpdump and wireshark)")
        ->type_name("DIR");
    auto* parent = app.add_option("--parent", o.parent,
                                  "Use this existing interface as the macvlan parent (a NIC to certify). It must carry "
                                  "nothing: no default route, no addresses, no master or uppers")
                       ->type_name("IFACE");
    auto* peer = app.add_option("--peer", o.peer, "The port cabled to --parent; it is moved into the run's ext namespace "
                                                  "and back afterwards")
                     ->type_name("IFACE");
    auto* remote = app.add_option("--remote", o.remote,
                                  "Instead of --peer: the external side is a port of another machine, reached with "
                                  "`ssh USER@HOST` (key authentication, no prompt). It needs iproute2 and iputils ping; "
                                  "USER is root or may run them with sudo -n")
                       ->type_name("USER@HOST");
    auto* remote_if = app.add_option("--remote-if", o.remote_if,
                                     "The remote host's port cabled to --parent; it gets addresses from the run's ranges, "
                                     "which are removed again afterwards")
                          ->type_name("IFACE");
    auto* ssh_config = app.add_option("--remote-ssh-config", o.remote_ssh_config,
                                      "An ssh_config file for --remote (ssh -F): port, identity, known hosts, jump host")
                           ->type_name("FILE")
                           ->check(CLI::ExistingFile);
    auto* hairpin = app.add_flag("--peer-hairpin", o.peer_hairpin,
                                 "Declare that the switch between parent and peer reflects frames (802.1Qbg reflective "
                                 "relay): the hairpin expectations apply instead of the plain ones");
    auto* busy = app.add_flag("--allow-busy-parent", o.allow_busy_parent,
                              "Lend interfaces even if they carry routes, addresses or uppers (risky)");
    peer->needs(parent);
    peer->excludes(remote);
    remote->needs(parent);
    remote->needs(remote_if);
    remote_if->needs(remote);
    ssh_config->needs(remote);
    hairpin->needs(parent);
    busy->needs(parent);
    auto* restore = app.add_subcommand("restore", "Put back interfaces a crashed run left changed, from the journals in "
                                                  "/run/macvlan-conformance/ (or the JOURNAL files given), then exit");
    restore->add_option("journal", o.restore_journals, "Journal files (default: every journal whose process is gone)")
        ->type_name("JOURNAL");
    auto* env = app.add_subcommand("env", "Print what this machine allows (kernel, distro, privileges, each feature and "
                                          "why it matters, the parent's driver), then exit; with --json as JSON");
    env->add_flag("--json", o.env_json, "Print it as JSON");
    auto* explain = app.add_subcommand("explain", "Print the matrix the delivery rules predict for topology files, and "
                                                  "each cell's chain of rules, without building anything (no root "
                                                  "needed), then exit; --from/--to ENDPOINT narrow it, --family words "
                                                  "the frames, --json is for scripts");
    explain->add_option("TOPOLOGY", o.explain_files, "Topology files (--topology's format), or a shipped topology's "
                                                     "name.variant, e.g. private.hairpin")
        ->required()
        ->type_name("FILE|NAME");
    explain->add_option("--family", o.explain_family, "Word the frames for this family (default ipv4; the verdicts are "
                                                      "the same in both)")
        ->type_name("FAMILY")
        ->check(CLI::IsMember({"ipv4", "ipv6"}));
    explain->add_option("--from", o.explain_from, "Only the cells from this endpoint")->type_name("ENDPOINT");
    explain->add_option("--to", o.explain_to, "Only the cells to this endpoint")->type_name("ENDPOINT");
    explain->add_flag("--json", o.explain_json, "Print the topologies (endpoints, modes, allow-lists, static neighbours) "
                                                "and every predicted cell with its chain as JSON");
    app.footer(kFooter);  // after the subcommands, which would otherwise inherit it
    app.add_option("--topology", o.topologies,
                   "Measure this topology instead of the shipped ones (repeatable): a JSON file describing the parent, "
                   "the far end and any number of slaves (format in README, 'Your own topology'); validated, with "
                   "errors that name the field")
        ->type_name("FILE")
        ->check(CLI::ExistingFile);
    app.add_option("--rules", o.rules, "Derive every expectation from this delivery-rule file instead of the shipped "
                                       "fixtures/rules/delivery.json (validated the same way)")
        ->type_name("FILE")
        ->check(CLI::ExistingFile);
    app.add_option("--expectations", o.expectations,
                   "Override the derived expectations of the cells this file lists (a lab's documented deviations; "
                   "the format of the hand-written matrices, see README), validated against the topologies")
        ->type_name("PATH")
        ->check(CLI::ExistingFile);
    app.add_option("--fixtures", o.fixtures, "Directory with topologies/ and rules/ (default: the shipped fixtures)")
        ->type_name("DIR")
        ->check(CLI::ExistingDirectory);
    app.add_option("--mode", o.selection.modes, "Only topologies whose slaves all have these modes (repeatable: "
                                                   "two modes add the layouts that mix them)")
        ->type_name("MODE")
        ->check(CLI::IsMember({"bridge", "vepa", "private", "passthru", "source"}));
    app.add_option("--variant", o.selection.variants, "Only these variants (repeatable): plain, hairpin, hairpin-static, vlan, dummy")
        ->type_name("VARIANT");
    app.add_option("--family", o.selection.families, "Only this address family (repeatable)")
        ->type_name("FAMILY")
        ->check(CLI::IsMember({"ipv4", "ipv6"}));
    app.add_option("--filter", o.selection.filters, "Only tests whose name matches this shell glob (repeatable: any may match); "
                                          "-GLOB excludes the tests it matches")
        ->type_name("GLOB");
    app.add_flag("--list", o.list, "Print the names of the tests that would run, then exit");
    app.add_option("--repeat", o.repeat, "Run the selected tests N times; every iteration is reported")
        ->type_name("N")
        ->check(CLI::Range(1, 100000));
    app.add_option("--quiet-window-ms", o.quiet_window_ms,
                   "How long a probe waits for a reply before its cell is called blocked (default " +
                       std::to_string(defaults::kQuietWindow.count()) + ")")
        ->type_name("MS")
        ->check(CLI::Range(20u, 60000u));
    app.add_flag("--fixed-quiet-window", o.fixed_quiet_window,
                 "Close every window after --quiet-window-ms, however slow the pacers (control paths probed beside the "
                 "cells) show the kernel to be. For comparison only: a slow kernel then turns reachable cells into "
                 "blocked ones");
    app.add_option("--ready-timeout-ms", o.ready_timeout_ms,
                   "How long a topology may take to show its links up and answer its controls (default " +
                       std::to_string(defaults::kReadyTimeout.count()) + ")")
        ->type_name("MS")
        ->check(CLI::Range(100u, 600000u));

    std::vector<std::string> faults;
    app.add_option("--inject-fault", faults,
                   "Deliberately break or slow every topology, to prove the suite notices or stays truthful "
                   "(repeatable). arp-ignore sets arp_ignore=8 on every interface, so IPv4 cells that expect "
                   "'reachable' must fail (expect exit 1). delay:MS makes every frame on the parent's wire arrive MS "
                   "later (1 to 2000): the windows must stretch and every verdict stay right (expect exit 0). "
                   "loss:N drops N percent of the frames on the parent's wire at random (1 to 99, nftables in the "
                   "run's own namespaces): no verdict may be wrong; a cell whose silence the loss makes meaningless "
                   "is reported inconclusive with the reason (expect exit 0 or 1, never a failed cell). "
                   "Faults: arp-ignore, delay:MS, loss:N")
        ->type_name("FAULT")
        ->check([](const std::string& f) -> std::string {
            if (f == "arp-ignore") return "";
            if (f.rfind("delay:", 0) == 0) {
                const std::string ms = f.substr(6);
                if (!ms.empty() && ms.size() <= 4 && ms.find_first_not_of("0123456789") == std::string::npos &&
                    std::stoi(ms) >= 1 && std::stoi(ms) <= 2000)
                    return "";
                return "delay:MS takes a whole number of milliseconds from 1 to 2000, got '" + ms + "'";
            }
            if (f.rfind("loss:", 0) == 0) {
                const std::string n = f.substr(5);
                if (!n.empty() && n.size() <= 2 && n.find_first_not_of("0123456789") == std::string::npos && std::stoi(n) >= 1)
                    return "";
                return "loss:N takes a whole percentage from 1 to 99, got '" + n + "'";
            }
            return "unknown fault '" + f + "' (valid: arp-ignore, delay:MS, loss:N)";
        });

    try {
        app.parse(ours);
        o.ktap = ktap->count() > 0;
        o.env = env->parsed();
        o.explain = explain->parsed();
        o.restore = restore->parsed();
        if (!o.parent.empty() && o.peer.empty() && o.remote.empty())
            throw CLI::ValidationError("--parent", "needs the other end of its wire: --peer IFACE (a local port cabled to it) "
                                                   "or --remote USER@HOST --remote-if IFACE (a port of another machine)");
        if (!o.remote.empty() && o.remote.front() == '-')
            throw CLI::ValidationError("--remote", "'" + o.remote + "' is not USER@HOST");
        if (!o.remote_if.empty() && !RemotePeer::plain_interface_name(o.remote_if))
            throw CLI::ValidationError("--remote-if", "'" + o.remote_if + "' is not an interface name this tool sends to another "
                                                      "machine: use letters, digits, '_', '.' and '-' (at most 15)");
        // The journal keeps it, and `restore` may run from another directory.
        if (!o.remote_ssh_config.empty()) o.remote_ssh_config = std::filesystem::absolute(o.remote_ssh_config).string();
        for (const auto& f : faults) {
            if (f == "arp-ignore") o.inject_fault.arp_ignore = true;
            else if (f.rfind("loss:", 0) == 0) o.inject_fault.loss_percent = static_cast<unsigned>(std::stoi(f.substr(5)));
            else o.inject_fault.cable_delay = std::chrono::milliseconds(std::stoi(f.substr(6)));
        }
        if (!o.parent.empty() && o.inject_fault.any())
            throw CLI::ValidationError("--inject-fault", "cannot be combined with --parent: it would change the lent interfaces");
    } catch (const CLI::CallForHelp& e) {
        app.exit(e);
        parsed.exit_now = kExitPass;
    } catch (const CLI::ParseError& e) {
        app.exit(e);  // prints the flag, the problem and the valid values
        parsed.exit_now = kExitUsage;
    }
    return parsed;
}

}  // namespace mvc
