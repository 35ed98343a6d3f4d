// SPDX-License-Identifier: MIT
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>

#include "addresses.hpp"

namespace mvc {

// How many neighbour entries the run may hold at once, per family.
//
// The ARP and ND tables are one table each for the whole machine, every namespace included, and
// their thresholds are the initial namespace's (net.ipv4.neigh.default.gc_thresh2/3; a child
// namespace cannot see or change them on current kernels). Past gc_thresh2 the kernel starts
// forcing garbage collection, which can evict the machine's own entries (its gateway's), and at
// gc_thresh3 it refuses new ones ("neighbor table overflow"): a cell lost that way would look
// blocked. So every probe wave leases the entries it can create (two per cell: the sender's for
// the target, the target's for the sender, learnt from the solicitation) and gives them back once
// they are flushed; the run never holds more than what gc_thresh2 leaves, less what the machine
// itself held when the run started and a margin.
class NeighbourBudget {
public:
    struct Limits {
        unsigned ipv4 = 0, ipv6 = 0;  // entries the run may hold at once
        std::string source;           // what they were computed from, for the report
    };
    // Reads the thresholds and the current use; call before leaving the initial namespace. Where
    // they cannot be read, the kernel's defaults (gc_thresh2 = 512) stand in.
    static Limits read_limits();
    static void set_limits(const Limits& limits);  // for the whole process
    static NeighbourBudget& of(Family family);
    static const Limits& limits();

    // Blocks until `entries` are free (at most the whole budget), then takes them.
    void acquire(unsigned entries);
    void release(unsigned entries);
    unsigned capacity() const { return capacity_; }

    // Takes entries for its lifetime.
    class Lease {
    public:
        Lease(Family family, unsigned entries);
        ~Lease();
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

    private:
        NeighbourBudget& budget_;
        unsigned entries_;
    };

private:
    explicit NeighbourBudget(unsigned capacity) : capacity_(capacity), free_(capacity) {}
    unsigned capacity_;
    unsigned free_;
    std::mutex mutex_;
    std::condition_variable changed_;
};

}  // namespace mvc
