// SPDX-License-Identifier: MIT
// The container-engine suites (Docker's and Podman's) and the CNI suite end to end: without a
// static busybox the container tests skip and say which package is missing, without Podman or the
// CNI plugins every test of theirs skips naming the package, and a run SIGKILLed at any moment
// (while containers or pods are being made or probed, and random ones of a full run) leaves no
// container, network, image, link, namespace, scratch directory or plugin process behind, with no
// later run: the engines' reapers remove their objects within seconds, and the kernel the rest.
// Needs root and, except for the random kills and the skips, the engine or the plugins (Docker:
// ci/start-dockerd.sh); skips with the reason.
//
// The random kills repeat with more moments for the acceptance measurement (ci/random-kills.sh):
//   MVC_RANDOM_KILLS=N          how many kills (default 3)
//   MVC_RANDOM_KILL_MAX_S=S     latest moment, in seconds after the start (default 20; earliest 0.05)
//   MVC_RANDOM_KILL_SEED=N      the seed, to repeat a sequence (default: random, printed)
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/process.hpp>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <thread>

#include "conformance_process.hpp"
#include "engine_image.hpp"
#include "engine_kind.hpp"
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
    bool ended_first = false;             // the run was over before the moment: nothing was killed
};

// Starts the binary with `args`, waits for `moment` and then `delay`, SIGKILLs it, waits for its
// reaper (if the Docker suite had started one), and checks, with no later run, that nothing of the
// run is left: Docker objects, links, namespaces, and the root namespace as before.
Kill kill_and_check(const std::vector<std::string>& args, const Moment& moment, std::chrono::milliseconds delay,
                    bool may_end_first = false) {
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
    if (came && !run.running() && may_end_first) {
        run.wait();
        k.ended_first = true;
        EXPECT_EQ(run.exit_code(), 0) << ts::read_text(out.path());
        EXPECT_EQ(ts::root_namespace_snapshot(), before) << "the run ended by itself";
        return k;
    }
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

    // Found by the owner they were started for (one per engine): after the kill a reaper has
    // another parent. The slowest one counts.
    for (const pid_t reaper : ts::reapers_of(tag)) {
        const auto seconds = ts::seconds_until_gone(reaper, std::chrono::duration_cast<std::chrono::seconds>(kReaperLimit));
        EXPECT_TRUE(seconds.has_value()) << "the reaper (pid " << reaper << ") was still running " << kReaperLimit.count()
                                         << " s after the kill";
        if (seconds) k.reaper_seconds = std::max(k.reaper_seconds.value_or(0), *seconds);
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

std::vector<std::string> engine_lines(EngineKind kind, const std::vector<std::string>& args) {
    const auto r = ts::run_program(ts::engine_client(kind), args);
    std::vector<std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

std::vector<std::string> docker_lines(const std::vector<std::string>& args) { return engine_lines(EngineKind::docker, args); }

// Docker says "running"; Podman's {{.State}} says "Up 2 seconds ago" for a running container and
// "Created" for one not started yet.
std::vector<std::string> container_states(const std::string& tag, EngineKind kind = EngineKind::docker) {
    auto states = engine_lines(kind, {"container", "ls", "--all", "--filter", "label=" + engine_owner_label(tag), "--format", "{{.State}}"});
    for (auto& s : states) {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (s.rfind("up ", 0) == 0) s = "running";
    }
    return states;
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
void without_busybox_the_container_tests_skip(const std::string& suite) {
    bp::environment env = boost::this_process::environment();  // a copy: this process's own stays as it is
    env.set(kBusyboxVariable, "/nonexistent/busybox");  // not operator[]: external_command.cpp says why
    ts::TempFile json("r.json");
    const auto r = ts::run_conformance({"--filter", suite + ".*", "--json", json.path().string()}, env);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto report = ts::read(json.path());
    std::set<std::string> ran, skipped;
    for (const auto& t : report["tests"]) {
        const std::string name = t["name"];
        EXPECT_NE(t["verdict"], "fail") << name << ": " << t["message"];
        if (t["verdict"] == "pass") ran.insert(name);
        if (t["verdict"] == "skip" && name.rfind(suite + ".", 0) == 0) {
            skipped.insert(name);
            EXPECT_NE(t["message"].get<std::string>().find("busybox-static"), std::string::npos) << name << ": " << t["message"];
        }
    }
    EXPECT_EQ(ran, (std::set<std::string>{suite + ".GatewayOutsideTheSubnetIsRefused",
                                          suite + ".OneNetworkPerParentFollowsTheEngineVersion"}));
    EXPECT_EQ(skipped, (std::set<std::string>{suite + ".DefaultModeIsBridgeAndMatchesTheKernelSuite",
                                              suite + ".VepaModeMatchesTheKernelSuite",
                                              suite + ".PrivateModeMatchesTheKernelSuite",
                                              suite + ".PassthruModeMatchesTheKernelSuiteAndTakesOneContainer",
                                              suite + ".HostShimRestoresHostToContainerReachability"}));
}

TEST_F(DockerRun, WithoutAStaticBusyboxTheContainerTestsSkipNamingThePackage) {
    without_busybox_the_container_tests_skip("DockerMacvlan");
}

class PodmanRun : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: rootful Podman works in the machine's namespace";
        if (const auto why = ts::engine_missing(EngineKind::podman); !why.empty())
            GTEST_SKIP() << why << " (ci/install-deps.sh --podman)";
    }
};

TEST_F(PodmanRun, WithoutAStaticBusyboxTheContainerTestsSkipNamingThePackage) {
    without_busybox_the_container_tests_skip("PodmanMacvlan");
}

// Every test of a suite skips, with a reason naming the package, when its software is hidden from
// the run: the CNI plugins through MACVLAN_CONFORMANCE_CNI_PATH, Podman through a PATH without it.
void every_test_skips_naming(const std::string& filter, const std::string& package, const std::string& variable,
                             const std::string& value) {
    bp::environment env = boost::this_process::environment();
    env.set(variable, value);  // not operator[]: external_command.cpp says why
    ts::TempFile json("r.json");
    const auto r = ts::run_conformance({"--filter", filter, "--json", json.path().string()}, env);
    EXPECT_EQ(r.exit_code, 4) << "every test skipped is exit 4\n" << r.out << r.err;
    const auto report = ts::read(json.path());
    EXPECT_FALSE(report["tests"].empty());
    for (const auto& t : report["tests"]) {
        EXPECT_EQ(t["verdict"], "skip") << t["name"];
        const std::string why = t["message"];
        // A kernel without 8021q skips the VLAN tests for that reason first.
        if (why.find("8021q") == std::string::npos) {
            EXPECT_NE(why.find(package), std::string::npos) << t["name"] << ": " << why;
        }
    }
}

TEST(CniRun, WithoutThePluginsEveryCniTestSkipsNamingThePackage) {
    every_test_skips_naming("Cni*", "containernetworking-plugins", "MACVLAN_CONFORMANCE_CNI_PATH", "/nonexistent");
}

TEST(PodmanAbsent, WithoutPodmanEveryPodmanTestSkipsNamingThePackage) {
    every_test_skips_naming("Podman*", "apt-get install podman", "PATH", "/nonexistent");
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

const std::vector<std::string> kPodmanOnly{"--filter", "PodmanMacvlan.*"};

const NamedMoment kPodmanMoments[] = {
    {"reaper_started", kPodmanOnly, reaper_runs, 0ms},
    {"first_network", kPodmanOnly,
     [](pid_t, const std::string& tag) {
         return !engine_lines(EngineKind::podman,
                              {"network", "ls", "--filter", "label=" + engine_owner_label(tag), "--format", "{{.Name}}"})
                     .empty();
     },
     0ms},
    // Podman has no daemon: the kill takes the client (and netavark's parent) mid-start.
    {"containers_starting", kPodmanOnly,
     [](pid_t, const std::string& tag) { return !container_states(tag, EngineKind::podman).empty(); }, 0ms},
    {"containers_starting_later", kPodmanOnly,
     [](pid_t, const std::string& tag) { return !container_states(tag, EngineKind::podman).empty(); }, 150ms},
    {"containers_probed", kPodmanOnly,
     [](pid_t, const std::string& tag) {
         const auto states = container_states(tag, EngineKind::podman);
         return std::count(states.begin(), states.end(), "running") >= 2;
     },
     300ms},
};

class PodmanKill : public PodmanRun, public ::testing::WithParamInterface<NamedMoment> {
protected:
    void SetUp() override {
        PodmanRun::SetUp();
        if (IsSkipped()) return;
        std::string why;
        if (!find_static_busybox(&why)) GTEST_SKIP() << why;
    }
};

TEST_P(PodmanKill, LeavesNothingOfTheRunBehind) {
    const auto k = kill_and_check(GetParam().args, GetParam().moment, GetParam().delay);
    ASSERT_TRUE(k.reaper_seconds.has_value()) << "no reaper ran: the moment came before the Podman suite";
    RecordProperty("killed_at_s", std::to_string(k.at));
    RecordProperty("reaper_s", std::to_string(*k.reaper_seconds));
    std::cout << GetParam().name << ": killed at " << k.at << " s, reaper done " << *k.reaper_seconds << " s later"
              << (k.reaper_said.empty() ? "" : "; " + k.reaper_said) << "\n";
}

INSTANTIATE_TEST_SUITE_P(Moments, PodmanKill, ::testing::ValuesIn(kPodmanMoments),
                         [](const ::testing::TestParamInfo<NamedMoment>& info) { return std::string(info.param.name); });

// The CNI suite has no reaper: everything it makes is the kernel's to free (anonymous namespaces,
// a detached tmpfs). Killed while a plugin runs (the first pod's namespace holds a macvlan) and
// while the pods are probed, it must leave nothing: no namespace held, no plugin running, no
// scratch directory, the root namespace as before.
bool pod_has_macvlan(pid_t run) {
    for (const auto& held : ts::namespaces_held_by(run)) {
        try {
            const NetNamespace ns = NetNamespace::open(held.where);
            Rtnl nl(ns);
            for (const auto& l : nl.links())
                if (l.kind == "macvlan" && l.name == "eth0") return true;
        } catch (const std::exception&) {
        }
    }
    return false;
}

bool plugin_runs() {
    std::error_code ec;
    for (const auto& p : std::filesystem::directory_iterator("/proc", ec)) {
        std::error_code e;
        if (std::filesystem::read_symlink(p.path() / "exe", e).string().rfind("/usr/lib/cni/", 0) == 0) return true;
    }
    return false;
}

const std::vector<std::string> kCniOnly{"--filter", "CniMacvlan.*"};

const NamedMoment kCniMoments[] = {
    {"plugin_running", kCniOnly, [](pid_t, const std::string&) { return plugin_runs(); }, 0ms},
    {"pods_added", kCniOnly, [](pid_t run, const std::string&) { return pod_has_macvlan(run); }, 0ms},
    {"pods_probed", kCniOnly, [](pid_t run, const std::string&) { return pod_has_macvlan(run); }, 1200ms},
};

class CniKill : public ::testing::TestWithParam<NamedMoment> {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: the moments are watched in the run's namespaces";
        if (!std::filesystem::exists("/usr/lib/cni/macvlan")) GTEST_SKIP() << "no /usr/lib/cni/macvlan (containernetworking-plugins)";
    }
};

TEST_P(CniKill, LeavesNothingOfTheRunBehind) {
    const auto k = kill_and_check(GetParam().args, GetParam().moment, GetParam().delay);
    EXPECT_FALSE(k.reaper_seconds.has_value()) << "a reaper ran for a CNI-only run";
    RecordProperty("killed_at_s", std::to_string(k.at));
    std::cout << GetParam().name << ": killed at " << k.at << " s\n";
}

INSTANTIATE_TEST_SUITE_P(Moments, CniKill, ::testing::ValuesIn(kCniMoments),
                         [](const ::testing::TestParamInfo<NamedMoment>& info) { return std::string(info.param.name); });

// Full runs (every suite, Docker's included when an engine answers), killed at random moments.
TEST(RandomKills, AFullRunKilledAtRandomMomentsLeavesNothingBehind) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: the run's Docker suite works in the machine's namespace";
    const int kills = std::stoi(env_or("MVC_RANDOM_KILLS", "3"));
    const bool engine = ts::docker_engine_missing().empty();
    // Without an engine a full run takes about ten seconds here: later moments would mostly find it over.
    const double latest = std::stod(env_or("MVC_RANDOM_KILL_MAX_S", engine ? "20" : "6"));
    const auto seed = static_cast<unsigned>(std::stoul(env_or("MVC_RANDOM_KILL_SEED", std::to_string(std::random_device{}()))));
    std::mt19937 random(seed);
    std::uniform_real_distribution<double> moment(0.05, latest);
    std::cout << "random kills: " << kills << " in [0.05, " << latest << "] s, seed " << seed
              << (engine ? ", Docker engine present" : ", no Docker engine: " + ts::docker_engine_missing()) << "\n";
    int with_reaper = 0, ended_first = 0;
    double slowest = 0;
    for (int i = 0; i < kills && !HasFailure(); ++i) {
        const auto delay = std::chrono::milliseconds(static_cast<long>(moment(random) * 1000));
        const auto k = kill_and_check({}, [](pid_t, const std::string&) { return true; }, delay, true);
        if (k.ended_first) {
            ++ended_first;
            std::cout << "kill " << i + 1 << "/" << kills << ": the run was over before " << delay.count() << " ms\n";
            continue;
        }
        if (k.reaper_seconds) {
            ++with_reaper;
            slowest = std::max(slowest, *k.reaper_seconds);
        }
        std::cout << "kill " << i + 1 << "/" << kills << " at " << k.at << " s: "
                  << (k.reaper_seconds ? "reaper done " + std::to_string(*k.reaper_seconds) + " s later" : "before the Docker suite")
                  << (k.reaper_said.empty() ? "" : "; " + k.reaper_said) << "\n";
    }
    EXPECT_LT(ended_first, kills) << "every run was over before its moment: nothing was killed (lower MVC_RANDOM_KILL_MAX_S)";
    RecordProperty("kills", kills);
    RecordProperty("kills_during_docker", with_reaper);
    std::cout << "random kills: " << kills << " done, " << with_reaper << " during the Docker suite, slowest reaper "
              << slowest << " s, seed " << seed << "\n";
}

}  // namespace
}  // namespace mvc
