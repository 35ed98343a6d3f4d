// SPDX-License-Identifier: MIT
#include "neighbour_budget.hpp"

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

namespace mvc {

namespace {

constexpr unsigned kDefaultThresh2 = 512;  // the kernel's default gc_thresh2 (neigh_table arp_tbl, nd_tbl)
constexpr unsigned kMargin = 128;          // for the machine's own traffic, and entries still being freed
constexpr unsigned kFloor = 64;            // a budget smaller than this could not probe a topology at all

unsigned read_number(const std::string& path, unsigned fallback) {
    std::ifstream in(path);
    unsigned value = 0;
    return in >> value ? value : fallback;
}

// The "entries" column of /proc/net/stat/{arp,ndisc}_cache (hexadecimal; the table's total).
unsigned entries_in_use(const std::string& table) {
    std::ifstream in("/proc/net/stat/" + table);
    std::string header, first;
    if (!std::getline(in, header) || !(in >> first)) return 0;
    return static_cast<unsigned>(std::stoul(first, nullptr, 16));
}

NeighbourBudget::Limits& current() {
    static NeighbourBudget::Limits limits = [] {
        NeighbourBudget::Limits l;
        l.ipv4 = kDefaultThresh2 - kMargin;
        l.ipv6 = kDefaultThresh2 - kMargin;
        l.source = "the kernel's default gc_thresh2 (512), less a margin of 128";
        return l;
    }();
    return limits;
}

}  // namespace

NeighbourBudget::Limits NeighbourBudget::read_limits() {
    Limits l;
    std::ostringstream source;
    auto one = [&](const char* family, const char* table) {
        const std::string base = std::string("/proc/sys/net/") + family + "/neigh/default/";
        const unsigned thresh2 = read_number(base + "gc_thresh2", kDefaultThresh2);
        const unsigned thresh3 = read_number(base + "gc_thresh3", thresh2);
        const unsigned used = entries_in_use(table);
        const unsigned limit = std::min(thresh2, thresh3);
        const unsigned budget = limit > used + kMargin + kFloor ? limit - used - kMargin : kFloor;
        source << family << ": gc_thresh2 " << thresh2 << ", " << used << " in use at the start, a margin of " << kMargin << " -> "
               << budget << "; ";
        return budget;
    };
    l.ipv4 = one("ipv4", "arp_cache");
    l.ipv6 = one("ipv6", "ndisc_cache");

    l.source = source.str();
    l.source.resize(l.source.size() - 2);
    return l;
}

void NeighbourBudget::set_limits(const Limits& limits) { current() = limits; }

const NeighbourBudget::Limits& NeighbourBudget::limits() { return current(); }

NeighbourBudget& NeighbourBudget::of(Family family) {
    // Sized by the limits in force when first used (set_limits comes before any probe).
    static NeighbourBudget v4(current().ipv4), v6(current().ipv6);
    return family == Family::ipv4 ? v4 : v6;
}

void NeighbourBudget::acquire(unsigned entries) {
    entries = std::min(entries, capacity_);
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return free_ >= entries; });
    free_ -= entries;
}

void NeighbourBudget::release(unsigned entries) {
    entries = std::min(entries, capacity_);
    {
        std::lock_guard lock(mutex_);
        free_ = std::min(capacity_, free_ + entries);
    }
    changed_.notify_all();
}

NeighbourBudget::Lease::Lease(Family family, unsigned entries) : budget_(NeighbourBudget::of(family)), entries_(entries) {
    budget_.acquire(entries_);
}

NeighbourBudget::Lease::~Lease() { budget_.release(entries_); }

}  // namespace mvc
