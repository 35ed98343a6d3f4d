#pragma once

#include <boost/process.hpp>

#include <string>
#include <vector>

namespace mvc::testing_support {

struct ProcessResult {
    int exit_code = -1;
    std::string out, err;
};

// Runs the macvlan-conformance binary under test (an external program: argv list, no shell).
inline ProcessResult run_conformance(const std::vector<std::string>& args,
                                     const boost::process::environment& env = boost::this_process::environment()) {
    namespace bp = boost::process;
    bp::ipstream out, err;
    bp::child child(MVC_CONFORMANCE_BINARY, bp::args(args), env, bp::std_out > out, bp::std_err > err);
    ProcessResult r;
    std::string line;
    while (std::getline(out, line)) r.out += line + "\n";
    while (std::getline(err, line)) r.err += line + "\n";
    child.wait();
    r.exit_code = child.exit_code();
    return r;
}

}  // namespace mvc::testing_support
