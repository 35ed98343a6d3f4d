#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mvc {

enum class Verdict { pass, fail, skip };
std::string_view to_string(Verdict verdict);

struct Property {
    std::string name;
    std::string value;
};

// The reachability facts of one cell, as the JSON report spells them.
struct CellRecord {
    std::string mode;
    std::string variant;
    std::string family;
    std::string from;
    std::string to;
    std::string expected;  // "reachable" | "blocked"
    std::string observed;  // "reachable" | "blocked" | "" when nothing was observed (skipped)
    std::string reason;
};

struct TestRecord {
    std::string name;   // unique in the run, e.g. reachability.vepa.hairpin.ipv4.c1_to_c2
    std::string group;  // the testsuite it is reported under, e.g. reachability.vepa.hairpin
    Verdict verdict = Verdict::pass;
    std::string message;  // what failed (expected vs observed, and why) or why it was skipped
    double seconds = 0;
    std::optional<CellRecord> cell;
};

struct GroupRecord {
    std::string name;
    std::vector<Property> properties;  // e.g. parent kind, mode, variant
};

struct Counts {
    int tests = 0, passed = 0, failed = 0, skipped = 0;
};

// Everything one run produced; every report writer reads only this.
struct RunReport {
    std::vector<Property> properties;  // kernel release, machine, ... shared by all groups
    std::vector<GroupRecord> groups;   // in the order they first ran
    std::vector<TestRecord> tests;
    std::string hostname = "localhost";
    std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
    double seconds = 0;

    Counts counts() const;
    Counts counts(const std::string& group) const;
    const GroupRecord* group(const std::string& name) const;
};

// kselftest convention: 0 all passed, 1 any failure, 4 everything skipped.
int exit_code(const Counts& counts);

}  // namespace mvc
