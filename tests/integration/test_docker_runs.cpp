// The Docker suite end to end against a real engine: without a static busybox the container tests
// skip and say which package is missing, and a run SIGKILLed at any moment (early ones while
// containers are starting, and random ones of a full run) leaves no container, network, image,
// link or namespace behind, with no later run: its reaper removes them within seconds. Needs root
// and, except for the random kills, a Docker engine (ci/start-dockerd.sh); skips with the reason.
//
// The random kills repeat with more moments for the acceptance measurement (ci/random-kills.sh):
//   MVC_RANDOM_KILLS=N          how many kills (default 3)
//   MVC_RANDOM_KILL_MAX_S=S     latest moment, in seconds after the start (default 20; earliest 0.05)
//   MVC_RANDOM_KILL_SEED=N      the seed, to repeat a sequence (default: random, printed)
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/process.hpp>

#include <chrono>
#include <functional>
#include <iostream>
#include <random>
#include <thread>

#include "conformance_process.hpp"
#include "engine_image.hpp"
#include "engine_lab.hpp"
#include "engine_objects.hpp"
#include "docker_run_watch.hpp"
#include "fixture_files.hpp"
#include "link_events.hpp"
#include "rtnl.hpp"
#include "root_snapshot.hpp"

namespace mvc {
namespace {

namespace bp = boost::process;
namespace ts = testing_support;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// How long a reaper may take after the kill: it waits 2 s for requests the engine may still be
// finishing, and each pass over the engine takes a few hundred milliseconds.
constexpr auto kReaperLimit = 10s;

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

std::vector<std::string> lines_with(const std::string& text, const std::string& part) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.find(part) != std::string::npos) out.push_back(line);
    return out;
}

// A moment of the run, seen from outside: true once it has come.
using Moment = std::function<bool(pid_t run, const std::string& tag)>;

struct Kill {
    double at = 0;                        // seconds after the start
    std::optional<double> reaper_seconds;  // from the kill to the reaper's exit; empty: no reaper ran
    std::string reaper_said;              // its summary line, if it removed anything
};

// Starts the binary with `args`, waits for `moment` and then `delay`, SIGKILLs it, waits for its
// reaper (if the Docker suite had started one), and checks, with no later run, that nothing of the
// run is left: Docker objects, links, namespaces, and the root namespace as before.
Kill kill_and_check(const std::vector<std::string>& args, const Moment& moment, std::chrono::milliseconds delay) {
    Kill k;
    const auto before = ts::root_namespace_snapshot();
    ts::TempFile out("out"), err("err");
    bp::child run(MVC_CONFORMANCE_BINARY, bp::args(args), bp::std_in < bp::null, bp::std_out > out.path(),
                  bp::std_err > err.path());
    const pid_t pid = run.id();
    const std::string tag = engine_owner_tag_of(pid);
    const auto started = Clock::now();
    bool came = false;
    while (run.running() && Clock::now() - started < 120s)
        if ((came = moment(pid, tag))) break;
        else std::this_thread::sleep_for(20ms);
    std::this_thread::sleep_for(delay);
    if (!came || !run.running()) {
        ADD_FAILURE() << "the run ended, or the moment did not come within 120 s; output:\n" << ts::read_text(out.path());
        if (run.running()) ::kill(pid, SIGKILL);
        run.wait();
        return k;
    }
    const auto held = ts::namespaces_held_by(pid);
    ::kill(pid, SIGKILL);
    run.wait();
    k.at = std::chrono::duration<double>(Clock::now() - started).count();

    // Found by the owner it was started for: after the kill the reaper has another parent.
    if (const auto reaper = ts::reaper_of(tag)) {
        k.reaper_seconds = ts::seconds_until_gone(*reaper, std::chrono::duration_cast<std::chrono::seconds>(kReaperLimit));
        EXPECT_TRUE(k.reaper_seconds.has_value()) << "the reaper (pid " << *reaper << ") was still running "
                                                  << kReaperLimit.count() << " s after the kill";
    }
    const std::string said = ts::read_text(err.path());
    if (const auto summary = lines_with(said, "object(s) removed within"); !summary.empty()) k.reaper_said = summary.back();
    EXPECT_EQ(ts::objects_of_run(pid, tag), std::vector<std::string>{})
        << "killed at " << k.at << " s; the run's standard error:\n" << said;
    EXPECT_EQ(ts::still_held(held), std::vector<std::string>{}) << "killed at " << k.at << " s";
    EXPECT_EQ(ts::root_namespace_snapshot(), before) << "killed at " << k.at << " s";
    EXPECT_TRUE(lines_with(said, "gave up").empty()) << said;
    return k;
}

bool reaper_runs(pid_t, const std::string& tag) { return ts::reaper_of(tag).has_value(); }

std::vector<std::string> docker_lines(const std::vector<std::string>& args) {
    const auto r = ts::run_program(ts::docker_client(), args);
    std::vector<std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

std::vector<std::string> container_states(const std::string& tag) {
    return docker_lines({"container", "ls", "--all", "--filter", "label=" + engine_owner_label(tag), "--format", "{{.State}}"});
}

class DockerRun : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: the Docker suite works in the machine's namespace";
        if (const auto why = ts::docker_engine_missing(); !why.empty()) GTEST_SKIP() << why << " (ci/start-dockerd.sh starts one)";
    }
};

// No static busybox (hidden from the run through MACVLAN_CONFORMANCE_BUSYBOX, the machine's own is
// not touched): every test that starts a container skips, naming the package; the tests that only
// create networks still run and pass; the run passes.
TEST_F(DockerRun, WithoutAStaticBusyboxTheContainerTestsSkipNamingThePackage) {
    bp::environment env = boost::this_process::environment();  // a copy: this process's own stays as it is
    env[kBusyboxVariable] = "/nonexistent/busybox";
    ts::TempFile json("r.json");
    const auto r = ts::run_conformance({"--filter", "Docker*", "--json", json.path().string()}, env);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto report = ts::read(json.path());
    std::set<std::string> ran, skipped;
    for (const auto& t : report["tests"]) {
        const std::string name = t["name"];
        EXPECT_NE(t["verdict"], "fail") << name << ": " << t["message"];
        if (t["verdict"] == "pass") ran.insert(name);
        if (t["verdict"] == "skip" && name.rfind("DockerMacvlan.", 0) == 0) {
            skipped.insert(name);
            EXPECT_NE(t["message"].get<std::string>().find("busybox-static"), std::string::npos) << name << ": " << t["message"];
        }
    }
    EXPECT_EQ(ran, (std::set<std::string>{"DockerMacvlan.GatewayOutsideTheSubnetIsRefused",
                                          "DockerMacvlan.OneNetworkPerParentFollowsTheEngineVersion"}));
    EXPECT_EQ(skipped, (std::set<std::string>{"DockerMacvlan.DefaultModeIsBridgeAndMatchesTheKernelSuite",
                                              "DockerMacvlan.VepaModeMatchesTheKernelSuite",
                                              "DockerMacvlan.PrivateModeMatchesTheKernelSuite",
                                              "DockerMacvlan.PassthruModeMatchesTheKernelSuiteAndTakesOneContainer",
                                              "DockerMacvlan.HostShimRestoresHostToContainerReachability"}));
}

struct NamedMoment {
    const char* name;
    std::vector<std::string> args;
    Moment moment;
    std::chrono::milliseconds delay;
};

struct ShimWatch {
    NetNamespace root = NetNamespace::of_current_thread();
    LinkEvents events{root};
    Rtnl nl{root};
};

void PrintTo(const NamedMoment& m, std::ostream* os) { *os << m.name; }

const std::vector<std::string> kDockerOnly{"--filter", "DockerMacvlan.*"};

const NamedMoment kMoments[] = {
    // Before the first Docker object: the reaper has just said it is watching.
    {"reaper_started", kDockerOnly, reaper_runs, 0ms},
    // The test image being imported (the first object), or the first lab's veth being made.
    {"image_import", kDockerOnly, reaper_runs, 150ms},
    {"first_network", kDockerOnly,
     [](pid_t, const std::string& tag) {
         return !docker_lines({"network", "ls", "--filter", "label=" + engine_owner_label(tag), "--format", "{{.Name}}"}).empty();
     },
     0ms},
    // Containers starting: the first one exists, created or just started.
    {"containers_starting", kDockerOnly, [](pid_t, const std::string& tag) { return !container_states(tag).empty(); }, 0ms},
    {"containers_starting_later", kDockerOnly, [](pid_t, const std::string& tag) { return !container_states(tag).empty(); },
     400ms},
    // Both running, the matrix being probed.
    {"containers_probed", kDockerOnly,
     [](pid_t, const std::string& tag) {
         const auto states = container_states(tag);
         return std::count(states.begin(), states.end(), "running") >= 2;
     },
     300ms},
    // The host shim (a macvlan of the machine's on the lab's parent) exists.
    // The host shim (a macvlan of the machine's on the lab's parent) exists. It lives for a few
    // dozen milliseconds: watched on the kernel's link notifications, not polled.
    {"host_shim", {"--filter", "DockerMacvlan.HostShim*"},
     [watch = std::shared_ptr<ShimWatch>()](pid_t run, const std::string&) mutable {
         if (!watch) watch = std::make_shared<ShimWatch>();
         return watch->events.wait_until(
             [&] {
                 for (const auto& l : watch->nl.links())
                     if (l.name.rfind(machine_link_prefix(kShimRole, run), 0) == 0) return true;
                 return false;
             },
             200ms);
     },
     0ms},
};

class DockerKill : public DockerRun, public ::testing::WithParamInterface<NamedMoment> {
protected:
    void SetUp() override {
        DockerRun::SetUp();
        if (IsSkipped()) return;
        std::string why;
        if (!find_static_busybox(&why)) GTEST_SKIP() << why;
    }
};

TEST_P(DockerKill, LeavesNothingOfTheRunBehind) {
    const auto k = kill_and_check(GetParam().args, GetParam().moment, GetParam().delay);
    ASSERT_TRUE(k.reaper_seconds.has_value()) << "no reaper ran: the moment came before the Docker suite";
    RecordProperty("killed_at_s", std::to_string(k.at));
    RecordProperty("reaper_s", std::to_string(*k.reaper_seconds));
    std::cout << GetParam().name << ": killed at " << k.at << " s, reaper done " << *k.reaper_seconds << " s later"
              << (k.reaper_said.empty() ? "" : "; " + k.reaper_said) << "\n";
}

INSTANTIATE_TEST_SUITE_P(Moments, DockerKill, ::testing::ValuesIn(kMoments),
                         [](const ::testing::TestParamInfo<NamedMoment>& info) { return std::string(info.param.name); });

// Full runs (every suite, Docker's included when an engine answers), killed at random moments.
TEST(RandomKills, AFullRunKilledAtRandomMomentsLeavesNothingBehind) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: the run's Docker suite works in the machine's namespace";
    const int kills = std::stoi(env_or("MVC_RANDOM_KILLS", "3"));
    const double latest = std::stod(env_or("MVC_RANDOM_KILL_MAX_S", "20"));
    const auto seed = static_cast<unsigned>(std::stoul(env_or("MVC_RANDOM_KILL_SEED", std::to_string(std::random_device{}()))));
    std::mt19937 random(seed);
    std::uniform_real_distribution<double> moment(0.05, latest);
    const bool engine = ts::docker_engine_missing().empty();
    std::cout << "random kills: " << kills << " in [0.05, " << latest << "] s, seed " << seed
              << (engine ? ", Docker engine present" : ", no Docker engine: " + ts::docker_engine_missing()) << "\n";
    int with_reaper = 0;
    double slowest = 0;
    for (int i = 0; i < kills && !HasFailure(); ++i) {
        const auto delay = std::chrono::milliseconds(static_cast<long>(moment(random) * 1000));
        const auto k = kill_and_check({}, [](pid_t, const std::string&) { return true; }, delay);
        if (k.reaper_seconds) {
            ++with_reaper;
            slowest = std::max(slowest, *k.reaper_seconds);
        }
        std::cout << "kill " << i + 1 << "/" << kills << " at " << k.at << " s: "
                  << (k.reaper_seconds ? "reaper done " + std::to_string(*k.reaper_seconds) + " s later" : "before the Docker suite")
                  << (k.reaper_said.empty() ? "" : "; " + k.reaper_said) << "\n";
    }
    RecordProperty("kills", kills);
    RecordProperty("kills_during_docker", with_reaper);
    std::cout << "random kills: " << kills << " done, " << with_reaper << " during the Docker suite, slowest reaper "
              << slowest << " s, seed " << seed << "\n";
}

}  // namespace
}  // namespace mvc
