// SPDX-License-Identifier: MIT
#pragma once

#include <unistd.h>

#include <boost/process.hpp>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mvc::testing_support {

struct ProcessResult {
    int exit_code = -1;
    std::string out, err;
};

// Runs an external program (argv list, no shell) with standard input closed, and collects what it
// printed.
inline ProcessResult run_program(const std::string& exe, const std::vector<std::string>& args,
                                 const boost::process::environment& env = boost::this_process::environment()) {
    namespace bp = boost::process;
    bp::ipstream out, err;
    bp::child child(exe, bp::args(args), env, bp::std_in < bp::null, bp::std_out > out, bp::std_err > err);
    ProcessResult r;
    std::string line;
    while (std::getline(out, line)) r.out += line + "\n";
    while (std::getline(err, line)) r.err += line + "\n";
    child.wait();
    r.exit_code = child.exit_code();
    return r;
}

// Runs the macvlan-conformance binary under test.
inline ProcessResult run_conformance(const std::vector<std::string>& args,
                                     const boost::process::environment& env = boost::this_process::environment()) {
    return run_program(MVC_CONFORMANCE_BINARY, args, env);
}

// nsenter's argv that runs the binary under test with `args` inside the network namespace `ns_fd`
// (a descriptor of this process): a namespace standing in for a machine.
inline std::vector<std::string> in_namespace(int ns_fd, const std::vector<std::string>& args) {
    std::vector<std::string> argv{"--net=/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(ns_fd), "--",
                                  MVC_CONFORMANCE_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

inline ProcessResult run_conformance_in(int ns_fd, const std::vector<std::string>& args) {
    return run_program(boost::process::search_path("nsenter").string(), in_namespace(ns_fd, args));
}

// An --expectations file that overrides one cell: the opposite of what the shipped rules derive for
// it (the hand-listed matrices, which a unit test keeps equal to the derived ones, say what that is).
inline nlohmann::json one_cell_flipped(const std::string& target, std::string* was = nullptr) {
    std::ifstream in(std::string(MVC_UNIT_TEST_DATA) + "/hand_listed_reachability.json");
    const auto doc = nlohmann::json::parse(in);
    for (const auto& m : doc["matrices"])
        for (const auto& c : m["cells"]) {
            std::string name = "reachability." + m["mode"].get<std::string>() + "." + m["variant"].get<std::string>() + "." +
                               m["family"].get<std::string>() + "." + c["from"].get<std::string>() + "_to_" + c["to"].get<std::string>();
            for (auto& ch : name)
                if (ch == '-') ch = '_';
            if (name != target) continue;
            auto cell = c;
            cell["expected"] = c["expected"] == "reachable" ? "blocked" : "reachable";
            if (was) *was = c["expected"];
            auto matrix = m;
            matrix["cells"] = nlohmann::json::array({cell});
            return {{"format", doc["format"]}, {"matrices", nlohmann::json::array({matrix})}};
        }
    return nullptr;
}

}  // namespace mvc::testing_support
