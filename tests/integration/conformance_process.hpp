#pragma once

#include <unistd.h>

#include <boost/process.hpp>

#include <string>
#include <vector>

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

}  // namespace mvc::testing_support
