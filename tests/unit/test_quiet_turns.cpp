// SPDX-License-Identifier: MIT
// QuietTurns: a topology that could not be confirmed ready while others were busy gets the machine
// to itself, one at a time, and nobody starts meanwhile (reachability_campaign.cpp, quiet_turns.hpp).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include "quiet_turns.hpp"

namespace mvc {
namespace {

using namespace std::chrono_literals;

// Long enough for a thread that is not blocked to have got there on a loaded machine; a wrong
// QuietTurns fails these tests, a slow machine cannot make a right one fail.
constexpr auto kSettle = 200ms;

TEST(QuietTurns, ATurnWaitsUntilEveryOtherBusyTopologyHasFinished) {
    QuietTurns turns;
    std::optional<QuietTurns::Busy> other(std::in_place, turns);
    std::atomic<bool> granted{false};
    auto waiter = std::async(std::launch::async, [&] {
        QuietTurns::Busy busy(turns);
        EXPECT_TRUE(busy.others_busy());
        QuietTurns::Turn turn(turns);
        granted = true;
        EXPECT_FALSE(busy.others_busy()) << "a turn was granted while another topology was busy";
    });
    std::this_thread::sleep_for(kSettle);
    EXPECT_FALSE(granted) << "the turn did not wait for the busy topology";
    other.reset();
    ASSERT_EQ(waiter.wait_for(10s), std::future_status::ready) << "the turn never came after the other topology finished";
    EXPECT_TRUE(granted);
}

TEST(QuietTurns, NoTopologyStartsWhileATurnIsHeld) {
    QuietTurns turns;
    std::optional<QuietTurns::Busy> holder(std::in_place, turns);
    std::optional<QuietTurns::Turn> turn(std::in_place, turns);  // alone: granted at once
    std::atomic<bool> started{false};
    auto newcomer = std::async(std::launch::async, [&] {
        QuietTurns::Busy busy(turns);
        started = true;
    });
    std::this_thread::sleep_for(kSettle);
    EXPECT_FALSE(started) << "a topology started during another's quiet turn";
    turn.reset();
    ASSERT_EQ(newcomer.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(started);
}

TEST(QuietTurns, TopologiesWaitingForTurnsTakeThemOneAtATime) {
    QuietTurns turns;
    std::atomic<int> holding{0}, most_at_once{0}, served{0};
    std::vector<std::future<void>> topologies;
    for (int i = 0; i < 4; ++i)
        topologies.push_back(std::async(std::launch::async, [&] {
            QuietTurns::Busy busy(turns);
            QuietTurns::Turn turn(turns);
            const int now = ++holding;
            for (int seen = most_at_once; now > seen && !most_at_once.compare_exchange_weak(seen, now);) {
            }
            std::this_thread::sleep_for(20ms);
            --holding;
            ++served;
        }));
    for (auto& t : topologies) ASSERT_EQ(t.wait_for(10s), std::future_status::ready) << "waiting topologies deadlocked";
    EXPECT_EQ(served, 4);
    EXPECT_EQ(most_at_once, 1);
}

TEST(QuietTurns, TurnsStopHelpingOnlyAfterSeveralTopologiesFailedAlone) {
    QuietTurns turns;
    for (unsigned i = 0; i < QuietTurns::kMostFailedTurns; ++i) {
        EXPECT_TRUE(turns.quiet_may_help()) << "after " << i << " failed turns";
        turns.failed_alone();
    }
    EXPECT_FALSE(turns.quiet_may_help());
}

}  // namespace
}  // namespace mvc
