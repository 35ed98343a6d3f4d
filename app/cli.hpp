// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "expectations.hpp"
#include "probe_defaults.hpp"
#include "selection.hpp"

namespace mvc {

inline constexpr int kExitPass = 0;
inline constexpr int kExitFail = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitAllSkipped = 4;

struct CliOptions {
    std::optional<std::filesystem::path> junit;
    std::optional<std::filesystem::path> json;
    bool ktap = false;
    std::filesystem::path ktap_file;  // empty: standard output
    std::optional<std::filesystem::path> html;
    bool keep_on_failure = false;
    std::optional<std::filesystem::path> pcap_dir;
    // A parent you bring (--parent/--peer/--peer-hairpin/--allow-busy-parent).
    std::string parent, peer;
    std::string remote, remote_if, remote_ssh_config;  // --remote/--remote-if/--remote-ssh-config: ext on another machine
    bool peer_hairpin = false;
    bool allow_busy_parent = false;
    bool restore = false;  // the `restore` subcommand
    std::vector<std::string> restore_journals;
    bool env = false;  // the `env` subcommand
    bool env_json = false;
    std::optional<std::filesystem::path> expectations;  // per-cell overrides of the derived expectations
    std::optional<std::filesystem::path> rules;         // default: <fixtures>/rules/delivery.json
    std::vector<std::filesystem::path> topologies;      // --topology: a user's topologies instead of the shipped ones
    bool explain = false;                               // the `explain` subcommand
    std::vector<std::filesystem::path> explain_files;
    std::string explain_family, explain_from, explain_to;
    bool explain_json = false;
    std::optional<std::filesystem::path> fixtures;      // default: found next to the binary
    Selection selection;  // --mode, --variant, --family, --filter
    bool list = false;
    int repeat = 1;
    unsigned quiet_window_ms = static_cast<unsigned>(defaults::kQuietWindow.count());
    bool fixed_quiet_window = false;  // the window does not follow the pacers (for comparison only)
    unsigned ready_timeout_ms = static_cast<unsigned>(defaults::kReadyTimeout.count());
    // --inject-fault: deliberate breakage, to prove the suite notices (or stays truthful).
    struct Faults {
        bool arp_ignore = false;                   // arp-ignore: arp_ignore=8 on every interface
        std::chrono::milliseconds cable_delay{};   // delay:MS: every frame on the parent's wire arrives MS later
        unsigned loss_percent = 0;                 // loss:N: N% of the frames on the parent's wire are lost
        bool any() const { return arp_ignore || cable_delay.count() > 0 || loss_percent > 0; }
    } inject_fault;
    std::vector<std::string> gtest_arguments;  // --gtest_* flags, passed through untouched
};

// Parses argv. Returns the options, or the exit code to leave with (0 after --help, 2 on a usage
// error, with the message already printed).
struct ParsedCli {
    CliOptions options;
    std::optional<int> exit_now;
};
ParsedCli parse_cli(int argc, char** argv);

// Where the shipped fixtures are: <prefix>/share/macvlan-conformance/fixtures beside an installed
// binary, else the source tree the binary was built from.
std::filesystem::path default_fixtures_dir();

}  // namespace mvc
