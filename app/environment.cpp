// SPDX-License-Identifier: MIT
#include "environment.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>

namespace mvc {

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
}  // namespace

Environment Environment::observe(const Capabilities& capabilities) {
    Environment e;
    utsname u{};
    ::uname(&u);
    e.kernel_release = u.release;
    e.kernel_version = u.version;
    e.machine = u.machine;
    e.hostname = u.nodename;
    e.distro = os_release_name();
    e.harness_version = MVC_VERSION;
    e.parent_driver = capabilities.veth_driver.empty() ? "unknown (not probed)" : capabilities.veth_driver;
    e.capabilities = capabilities;
    return e;
}

std::vector<Property> Environment::properties() const {
    using namespace property_names;
    std::vector<Property> p{{kKernelRelease, kernel_release}, {kKernelVersion, kernel_version},
                            {kMachine, machine},               {kDistro, distro},
                            {"harness_version", harness_version}, {kParentKind, parent_kind},
                            {"parent_driver", parent_driver}};
    for (const Feature* f : capabilities.all())
        p.push_back({"feature." + f->name, std::string(f->present ? "present" : "absent") + ": " + f->detail});
    return p;
}

nlohmann::json Environment::json() const {
    nlohmann::json features = nlohmann::json::array();
    for (const Feature* f : capabilities.all())
        features.push_back({{"name", f->name}, {"present", f->present}, {"detail", f->detail}, {"why_it_matters", f->why}});
    return {{"kernel_release", kernel_release}, {"kernel_version", kernel_version}, {"machine", machine},
            {"distro", distro},                 {"hostname", hostname},             {"harness_version", harness_version},
            {"privileged", capabilities.privileges.present},
            {"parent", {{"kind", parent_kind}, {"driver", parent_driver}}},
            {"features", features}};
}

std::string Environment::text() const {
    std::ostringstream out;
    out << "kernel:   " << kernel_release << " (" << kernel_version << ") " << machine << "\n"
        << "distro:   " << distro << "\n"
        << "harness:  macvlan-conformance " << harness_version << "\n"
        << "parent:   " << parent_kind << " (driver " << parent_driver << ")\n\n";
    for (const Feature* f : capabilities.all())
        out << (f->present ? "  present  " : "  ABSENT   ") << f->name << ": " << f->detail << "\n"
            << "           needed for: " << f->why << "\n";
    return out.str();
}

}  // namespace mvc
