// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace mvc {

// Which topologies of a campaign are busy (being built or probed), so that one that could not be
// confirmed ready while others were busy can look again when it is alone, one topology at a time.
//
// Why alone: some of the kernel's own work needs the RTNL lock but only ever tries for it
// (rtnl_trylock: an 802.3ad bond's transmit array in bond_slave_arr_handler, its link monitor's
// commit, its state notifications), and under PREEMPT_RT a try fails whenever any task is queued
// for the lock (try_to_take_rt_mutex lets no task of equal priority steal it). Topologies being
// built beside it keep RTNL queued, so such a bond carries nothing until they stop: a verdict
// must not depend on how many topologies run at once.
class QuietTurns {
public:
    // A topology counts as busy while one of these lives. Made while another topology holds its
    // quiet turn, it waits until that turn ends.
    class Busy {
    public:
        explicit Busy(QuietTurns& turns);
        ~Busy();
        Busy(const Busy&) = delete;
        Busy& operator=(const Busy&) = delete;
        // Whether any other topology is busy right now.
        bool others_busy() const;
        QuietTurns& turns() const { return turns_; }

    private:
        QuietTurns& turns_;
    };

    // The machine to oneself: made (by a busy topology) once every other busy topology has
    // finished or waits for a turn too; no other topology starts while it lives.
    class Turn {
    public:
        explicit Turn(QuietTurns& turns);
        ~Turn();
        Turn(const Turn&) = delete;
        Turn& operator=(const Turn&) = delete;

    private:
        QuietTurns& turns_;
    };

    // Whether a quiet turn may still help: not once kMostFailedTurns topologies failed even alone.
    // A run where every topology is broken (a deliberate fault, a broken kernel) then spends no
    // more than that many turns, and one broken topology does not take the turns from the others.
    static constexpr unsigned kMostFailedTurns = 3;
    bool quiet_may_help() const { return failed_alone_ < kMostFailedTurns; }
    void failed_alone() { ++failed_alone_; }

private:
    std::atomic<unsigned> failed_alone_{0};
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    unsigned busy_ = 0;
    unsigned waiting_for_turn_ = 0;
    bool turn_taken_ = false;
};

}  // namespace mvc
