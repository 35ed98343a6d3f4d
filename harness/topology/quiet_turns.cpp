// SPDX-License-Identifier: MIT
#include "quiet_turns.hpp"

namespace mvc {

QuietTurns::Busy::Busy(QuietTurns& turns) : turns_(turns) {
    std::unique_lock lock(turns_.mutex_);
    turns_.changed_.wait(lock, [&] { return !turns_.turn_taken_; });
    ++turns_.busy_;
}

QuietTurns::Busy::~Busy() {
    {
        std::lock_guard lock(turns_.mutex_);
        --turns_.busy_;
    }
    turns_.changed_.notify_all();
}

bool QuietTurns::Busy::others_busy() const {
    std::lock_guard lock(turns_.mutex_);
    return turns_.busy_ > 1;
}

QuietTurns::Turn::Turn(QuietTurns& turns) : turns_(turns) {
    std::unique_lock lock(turns_.mutex_);
    ++turns_.waiting_for_turn_;
    // This topology is busy itself and waits: the others are all either waiting too or gone.
    turns_.changed_.wait(lock, [&] { return !turns_.turn_taken_ && turns_.busy_ == turns_.waiting_for_turn_; });
    --turns_.waiting_for_turn_;
    turns_.turn_taken_ = true;
}

QuietTurns::Turn::~Turn() {
    {
        std::lock_guard lock(turns_.mutex_);
        turns_.turn_taken_ = false;
    }
    turns_.changed_.notify_all();
}

}  // namespace mvc
