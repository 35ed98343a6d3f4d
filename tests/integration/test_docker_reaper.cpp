// SPDX-License-Identifier: MIT
// The Docker reaper on its own, without an engine: a stand-in for the docker client (a script that
// logs its argv and lists one container and one network until they are removed), in a namespace
// standing in for the machine. What it removes when the run is gone, in which order, and what it
// leaves alone. Needs root (links); the reaper is the conformance binary's hidden mode.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine_reaper.hpp"
#include "docker_run_watch.hpp"
#include "fixture_files.hpp"
#include "net_namespace.hpp"
#include "rtnl.hpp"

namespace mvc {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using testing_support::process_gone;
using testing_support::seconds_until_gone;

class DockerReaperWatch : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: the reaper deletes links";
        machine_ = std::make_unique<NetNamespace>(NetNamespace::create());
        nl_ = std::make_unique<Rtnl>(*machine_);
        dir_ = std::make_unique<testing_support::TempFile>("docker");
        client_ = dir_->path();
        const auto state = client_.parent_path();
        std::ofstream(client_) << "#!/bin/sh\n"
                                  "state='" << state.string() << "'\n"
                                  "printf '%s\\n' \"$*\" >> \"$state/log\"\n"
                                  "case \"$1 $2\" in\n"
                                  "  'container ls') [ -e \"$state/container-gone\" ] || echo mvc-test-c1 ;;\n"
                                  "  'network ls') [ -e \"$state/network-gone\" ] || echo mvc-test-net ;;\n"
                                  "  'rm --force') touch \"$state/container-gone\" ;;\n"
                                  "  'network rm') if [ -e \"$state/container-gone\" ]; then touch \"$state/network-gone\";\n"
                                  "                else echo 'Error: network has active endpoints' >&2; exit 1; fi ;;\n"
                                  "esac\n";
        std::filesystem::permissions(client_, std::filesystem::perms::owner_all);
    }

    std::vector<std::string> log() const {
        std::ifstream in(client_.parent_path() / "log");
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        return lines;
    }
    static size_t index_of(const std::vector<std::string>& lines, const std::string& line) {
        return static_cast<size_t>(std::find(lines.begin(), lines.end(), line) - lines.begin());
    }
    int veth(Rtnl& nl, const std::string& name) {
        static uint8_t next = 0;
        next = static_cast<uint8_t>(next + 2);
        return nl.create_veth(name, MacAddress::local(0x70, next), name + "p", MacAddress::local(0x70, next + 1), *machine_);
    }
    bool exists(const std::string& name) { return nl_->find_link(name).has_value(); }

    // The links a run registers, in every way it can: A by name and index, B by name only (the run
    // died between creating it and reporting its index), C never (not the run's), D removed by the
    // run itself and made again by someone else, E replaced behind the run's back (same name, new
    // index). Only A and B are the run's when it is gone.
    void register_links(EngineReaper& reaper, Rtnl& nl) {
        reaper.will_create_link("mvtA");
        reaper.created_link("mvtA", veth(nl, "mvtA"));
        reaper.will_create_link("mvtB");
        veth(nl, "mvtB");
        veth(nl, "mvtC");
        reaper.will_create_link("mvtD");
        const int d = veth(nl, "mvtD");
        reaper.created_link("mvtD", d);
        nl.delete_link(d);
        reaper.removed_link("mvtD");
        veth(nl, "mvtD");
        reaper.will_create_link("mvtE");
        const int e = veth(nl, "mvtE");
        reaper.created_link("mvtE", e);
        nl.delete_link(e);
        veth(nl, "mvtE");
    }
    void expect_only_the_runs_links_deleted() {
        EXPECT_FALSE(exists("mvtA")) << "a link registered by name and index survived";
        EXPECT_FALSE(exists("mvtB")) << "a link registered by name only survived";
        EXPECT_TRUE(exists("mvtC")) << "an unregistered link was deleted";
        EXPECT_TRUE(exists("mvtD")) << "a link the run removed and someone else made again was deleted";
        EXPECT_TRUE(exists("mvtE")) << "a link with a registered name but another index was deleted";
    }
    void expect_the_owners_objects_removed_in_order(const std::string& owner) {
        const auto lines = log();
        const std::string filter = "label=org.macvlan-conformance.owner=" + owner;
        const size_t list_containers = index_of(lines, "container ls --all --filter " + filter + " --format {{.Names}}");
        const size_t remove_container = index_of(lines, "rm --force --volumes mvc-test-c1");
        const size_t remove_network = index_of(lines, "network rm mvc-test-net");
        const size_t list_images = index_of(lines, "image ls macvlan-conformance/busybox:" + owner + " --format {{.Repository}}:{{.Tag}}");
        EXPECT_LT(list_containers, lines.size()) << "containers were not listed by the owner's label";
        EXPECT_LT(list_images, lines.size()) << "the owner's image was not looked for";
        EXPECT_LT(remove_container, lines.size()) << "the owner's container was not removed";
        EXPECT_LT(remove_network, lines.size()) << "the owner's network was not removed";
        EXPECT_LT(remove_container, remove_network) << "a network cannot go while a container is on it";
        for (const auto& l : lines) {
            if (l.find(" ls ") == std::string::npos) continue;
            EXPECT_NE(l.find(owner), std::string::npos) << "a listing not limited to the owner: " << l;
        }
    }

    std::unique_ptr<NetNamespace> machine_;
    std::unique_ptr<Rtnl> nl_;
    std::unique_ptr<testing_support::TempFile> dir_;
    std::filesystem::path client_;
};

// The run dies (SIGKILL) holding the reaper's socket. A forked child plays the run: it starts
// the reaper, registers and makes links, reports the reaper's pid and waits to be killed.
TEST_F(DockerReaperWatch, AfterTheRunIsKilledItRemovesTheRunsObjectsAndLinksAndNothingElse) {
    if (std::distance(std::filesystem::directory_iterator("/proc/self/task"), std::filesystem::directory_iterator{}) != 1)
        GTEST_SKIP() << "this test process has other threads: a forked child could deadlock";
    int report[2];
    ASSERT_EQ(::pipe(report), 0);
    const std::string owner = "reaper-test-" + std::to_string(::getpid());
    const pid_t run = ::fork();
    ASSERT_GE(run, 0);
    if (run == 0) {
        ::close(report[0]);
        try {
            Rtnl nl(*machine_);
            auto reaper = EngineReaper::start(*machine_, EngineKind::docker, client_.string(), owner, MVC_CONFORMANCE_BINARY);
            register_links(*reaper, nl);
            const pid_t pid = reaper->pid();
            reaper.release();  // never finished: the run dies holding it
            if (::write(report[1], &pid, sizeof pid) == sizeof pid) ::pause();
        } catch (const std::exception& e) {
            std::cerr << "the stand-in run failed: " << e.what() << "\n";
        }
        ::_exit(1);
    }
    ::close(report[1]);
    pid_t reaper = 0;
    pollfd p{report[0], POLLIN, 0};
    const bool reported = ::poll(&p, 1, 20'000) == 1 && ::read(report[0], &reaper, sizeof reaper) == sizeof reaper;
    ::close(report[0]);
    ::kill(run, SIGKILL);
    ::waitpid(run, nullptr, 0);
    ASSERT_TRUE(reported) << "the stand-in run did not get the reaper started";
    EXPECT_TRUE(exists("mvtA") && exists("mvtB")) << "the run's links should exist until the run dies";

    const auto seconds = seconds_until_gone(reaper, 20s);
    ASSERT_TRUE(seconds.has_value()) << "the reaper did not finish within 20 s";
    RecordProperty("reaper_seconds", std::to_string(*seconds));
    // It waits for requests the engine may still be finishing, then stops.
    EXPECT_GE(*seconds, 1.5);
    EXPECT_LE(*seconds, 6.0);
    expect_only_the_runs_links_deleted();
    expect_the_owners_objects_removed_in_order(owner);
}

// The orderly end: one pass (the run removed its objects itself; what it did not is removed), no
// waiting for requests in flight, and a clean exit.
TEST_F(DockerReaperWatch, AtTheRunsOrderlyEndItMakesOnePassAndExits) {
    const std::string owner = "reaper-test-end-" + std::to_string(::getpid());
    auto reaper = EngineReaper::start(*machine_, EngineKind::docker, client_.string(), owner, MVC_CONFORMANCE_BINARY);
    register_links(*reaper, *nl_);
    const auto started = Clock::now();
    EXPECT_EQ(reaper->finish(), std::vector<std::string>{});
    EXPECT_LT(Clock::now() - started, 1500ms) << "an orderly end has nothing in flight to wait for";
    EXPECT_TRUE(process_gone(reaper->pid()));
    expect_only_the_runs_links_deleted();
    expect_the_owners_objects_removed_in_order(owner);
}

// No socket, no reaper: a run that cannot start its reaper must not create anything.
TEST_F(DockerReaperWatch, AProgramThatIsNoReaperIsRefusedAtStart) {
    EXPECT_THROW(EngineReaper::start(*machine_, EngineKind::docker, client_.string(), "x", "/bin/true"), std::runtime_error);
}

}  // namespace
}  // namespace mvc
