// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mvc {

// inconclusive: the cell could not be measured truthfully (its silence proves nothing: its controls
// or its own frames were lost); neither a pass nor a wrong "blocked". A JUnit <error>.
enum class Verdict { pass, fail, skip, inconclusive };
std::string_view to_string(Verdict verdict);

struct Property {
    std::string name;
    std::string value;
};

// The property names the readers (merge, the HTML report) rely on, spelled once for the writers
// and the readers alike.
namespace property_names {
// Of the run.
inline constexpr const char* kKernelRelease = "kernel_release";
inline constexpr const char* kKernelVersion = "kernel_version";
inline constexpr const char* kDistro = "distro";
inline constexpr const char* kMachine = "machine";
inline constexpr const char* kParentKind = "parent_kind";
// Of a matrix's group.
inline constexpr const char* kSuite = "suite";
inline constexpr const char* kTopology = "topology";
inline constexpr const char* kMode = "mode";
inline constexpr const char* kVariant = "variant";
inline constexpr const char* kVariantParent = "variant_parent";
inline constexpr const char* kVariantDescription = "variant_description";
}  // namespace property_names

// The reachability facts of one cell, as the JSON report spells them.
struct CellRecord {
    std::string mode;  // the slaves' mode when they share one, else "mixed"
    std::string variant;
    std::string family;
    std::string from;
    std::string to;
    std::string expected;  // "reachable" | "blocked"
    std::string observed;  // "reachable" | "blocked" | "" when nothing was observed (skipped)
    std::string reason;
    // For an observed "blocked": how long the window stayed open, and how long the slowest pacer
    // (a control path probed beside the cells) took to answer; absent when there was none.
    std::optional<double> window_ms{};
    std::optional<double> slowest_pacer_ms{};
    std::string topology{};                 // the topology's name: "vepa", "mixed.bridge_vepa"
    std::optional<std::string> from_mode{};  // the slave's mode ("source+nodst"); none for host and ext
    std::optional<std::string> to_mode{};
    std::optional<std::string> from_kind{};  // macvlan or macvtap; none for host and ext
    std::optional<std::string> to_kind{};
};

struct TestRecord {
    std::string name;   // unique in the run, e.g. reachability.vepa.hairpin.ipv4.c1_to_c2
    std::string group;  // the testsuite it is reported under, e.g. reachability.vepa.hairpin
    Verdict verdict = Verdict::pass;
    std::string message;  // what failed (expected vs observed, and why) or why it was skipped
    double seconds = 0;
    std::optional<CellRecord> cell;
};

// A kernel splat (WARNING, BUG, Oops, KASAN/UBSAN report ...) the kernel logged during the run.
struct KernelSplat {
    std::string test;     // the test that was running ("" between tests)
    std::string excerpt;  // the log lines from its first line to its end (or a bounded number)
};

struct GroupRecord {
    std::string name;
    std::vector<Property> properties;  // e.g. parent kind, mode, variant
};

struct Counts {
    int tests = 0, passed = 0, failed = 0, skipped = 0, inconclusive = 0;
};

// Everything one run produced; every report writer reads only this.
struct RunReport {
    std::vector<Property> properties;  // kernel release, machine, ... shared by all groups
    std::vector<GroupRecord> groups;   // in the order they first ran
    std::vector<TestRecord> tests;
    std::vector<KernelSplat> kernel_splats;  // every splat of the run, also those between tests
    std::string kernel_log = "not read";    // "read from /dev/kmsg", or why not
    std::string hostname = "localhost";
    std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
    double seconds = 0;

    Counts counts() const;
    Counts counts(const std::string& group) const;
    const GroupRecord* group(const std::string& name) const;
};

// The value of the property with this name, or "" when there is none.
std::string property_value(const std::vector<Property>& properties, const std::string& name);

// kselftest convention: 0 all passed, 1 any failure (or inconclusive test), 4 everything skipped.
int exit_code(const Counts& counts);

}  // namespace mvc
