// SPDX-License-Identifier: MIT
#include "random_loss.hpp"

#include <nftables/libnftables.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace mvc {

namespace {

constexpr const char* kTable = "mvc_loss";

// libnftables promises nothing about threads (it keeps global state for its symbol tables and
// parser), and every topology's wire is read from its own thread: one context at a time.
std::mutex& nft_library() {
    static std::mutex m;
    return m;
}

// One libnftables context, made and used on the namespace's thread: its netlink socket is opened
// there and so talks to that namespace's nftables. Holds the library while it lives.
class NftContext {
public:
    NftContext() : lock_(nft_library()), ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
        if (!ctx_) throw std::runtime_error("libnftables: cannot create a context");
        nft_ctx_buffer_output(ctx_.get());
        nft_ctx_buffer_error(ctx_.get());
    }
    // Runs one command and returns what it printed; throws with nftables' own message.
    std::string run(const std::string& command, bool json = false) {
        nft_ctx_output_set_flags(ctx_.get(), json ? NFT_CTX_OUTPUT_JSON : 0);
        if (nft_run_cmd_from_buffer(ctx_.get(), command.c_str()) != 0) {
            const char* error = nft_ctx_get_error_buffer(ctx_.get());
            throw std::runtime_error("nftables refused `" + command.substr(0, command.find('\n')) + "`: " +
                                     (error ? error : "no message"));
        }
        const char* out = nft_ctx_get_output_buffer(ctx_.get());
        return out ? out : "";
    }

private:
    struct Free {
        void operator()(nft_ctx* c) const { nft_ctx_free(c); }
    };
    std::lock_guard<std::mutex> lock_;
    std::unique_ptr<nft_ctx, Free> ctx_;
};

// The objects of the listing ({"nftables": [{"metainfo": ...}, {"set": ...}]}) of one kind.
std::vector<nlohmann::json> listed(std::string_view text, const char* kind) {
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("nftables") || !doc["nftables"].is_array())
        throw std::invalid_argument("not an nftables JSON listing");
    std::vector<nlohmann::json> out;
    for (const auto& item : doc["nftables"])
        if (item.is_object() && item.contains(kind) && item[kind].is_object()) out.push_back(item[kind]);
    return out;
}

}  // namespace

bool LostFrames::touches(const IpAddress& address) const {
    return unattributed > 0 || std::find(senders.begin(), senders.end(), address) != senders.end();
}

void LostFrames::add(const LostFrames& other) {
    senders.insert(senders.end(), other.senders.begin(), other.senders.end());
    dropped += other.dropped;
    unattributed += other.unattributed;
}

std::vector<IpAddress> parse_nft_set_listing(std::string_view json) {
    std::vector<IpAddress> out;
    for (const auto& set : listed(json, "set")) {
        if (!set.contains("elem")) continue;  // an empty set lists no "elem"
        if (!set["elem"].is_array()) throw std::invalid_argument("a set's \"elem\" is not an array");
        for (const auto& e : set["elem"]) {
            // A plain element is its value; one with a timeout or counter is {"elem": {"val": ...}}.
            const nlohmann::json* value = &e;
            if (e.is_object() && e.contains("elem") && e["elem"].is_object() && e["elem"].contains("val"))
                value = &e["elem"]["val"];
            if (!value->is_string()) throw std::invalid_argument("a set element is not an address");
            out.push_back(IpAddress::parse(value->get<std::string>()));
        }
    }
    return out;
}

uint64_t parse_nft_counter_listing(std::string_view json) {
    const auto counters = listed(json, "counter");
    if (counters.size() != 1) throw std::invalid_argument("expected one counter in the listing");
    const auto& c = counters.front();
    if (!c.contains("packets") || !c["packets"].is_number_unsigned()) throw std::invalid_argument("a counter without packets");
    return c["packets"].get<uint64_t>();
}

std::string random_loss_ruleset(const std::vector<std::string>& interfaces, unsigned percent) {
    if (percent < 1 || percent > 99) throw std::invalid_argument("a loss of " + std::to_string(percent) + "% (1 to 99)");
    // numgen draws once per frame; the verdict map sends that share of frames to `lose`, which
    // notes the sender and drops. Frames from 0.0.0.0 or :: (ARP probes, DAD) are noted too: no
    // probe's exchange uses them, so noting them changes nothing.
    std::string s = "table netdev " + std::string(kTable) + " {\n"
                    "  set lost4 { type ipv4_addr; flags dynamic; size 65535; }\n"
                    "  set lost6 { type ipv6_addr; flags dynamic; size 65535; }\n"
                    "  counter dropped { }\n"
                    "  counter unattributed { }\n"
                    "  chain lose {\n"
                    "    counter name dropped\n"
                    "    meta protocol arp add @lost4 { arp saddr ip } drop\n"
                    "    meta protocol ip add @lost4 { ip saddr } drop\n"
                    "    meta protocol ip6 add @lost6 { ip6 saddr } drop\n"
                    "    counter name unattributed drop\n"
                    "  }\n";
    for (size_t i = 0; i < interfaces.size(); ++i)
        s += "  chain in" + std::to_string(i) + " { type filter hook ingress device \"" + interfaces[i] +
             "\" priority 0; numgen random mod 100 vmap { 0-" + std::to_string(percent - 1) + " : jump lose, " +
             std::to_string(percent) + "-99 : accept }; }\n";
    return s + "}\n";
}

RandomLoss::RandomLoss(const NetNamespace& ns, const std::vector<std::string>& interfaces, unsigned percent)
    : ns_(ns.clone()) {
    const std::string rules = random_loss_ruleset(interfaces, percent);
    ns_.run([&] { NftContext().run(rules); });
}

LostFrames RandomLoss::take() {
    return ns_.run([] {
        NftContext nft;
        const std::string table = std::string(" netdev ") + kTable + " ";
        LostFrames lost;
        // Listed, then flushed: a frame dropped between the two is forgotten, but take() is called
        // between waves, when no probe is waiting for an answer.
        for (const char* set : {"lost4", "lost6"}) {
            lost.senders = [&] {
                auto mine = parse_nft_set_listing(nft.run("list set" + table + set, true));
                mine.insert(mine.begin(), lost.senders.begin(), lost.senders.end());
                return mine;
            }();
            nft.run("flush set" + table + set);
        }
        lost.dropped = parse_nft_counter_listing(nft.run("reset counter" + table + "dropped", true));
        lost.unattributed = parse_nft_counter_listing(nft.run("reset counter" + table + "unattributed", true));
        return lost;
    });
}

}  // namespace mvc
