// SPDX-License-Identifier: MIT
#include "kmsg_record.hpp"

#include <array>
#include <charconv>

namespace mvc {

namespace {

std::optional<uint64_t> number(std::string_view text) {
    uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// The PID a splat's first line names ("... PID: 1234 at ..."), or -1.
long claimed_pid(std::string_view text) {
    const auto at = text.find("PID: ");
    if (at == std::string_view::npos) return -1;
    auto rest = text.substr(at + 5);
    rest = rest.substr(0, rest.find_first_not_of("0123456789"));
    const auto n = number(rest);
    return n && *n < (1u << 30) ? static_cast<long>(*n) : -1;
}

}  // namespace

std::optional<KmsgRecord> parse_kmsg_record(std::string_view bytes) {
    const auto semicolon = bytes.find(';');
    if (semicolon == std::string_view::npos) return std::nullopt;
    std::string_view header = bytes.substr(0, semicolon);
    std::array<std::string_view, 3> fields;
    for (auto& field : fields) {
        const auto comma = header.find(',');
        if (comma == std::string_view::npos) return std::nullopt;  // prio, seq and usec each end at a comma
        field = header.substr(0, comma);
        header.remove_prefix(comma + 1);
    }
    const auto prio = number(fields[0]);
    const auto sequence = number(fields[1]);
    const auto usec = number(fields[2]);
    if (!prio || !sequence || !usec || *prio > 0xffff) return std::nullopt;
    KmsgRecord r;
    r.level = static_cast<int>(*prio & 7);
    r.facility = static_cast<int>(*prio >> 3);
    r.sequence = *sequence;
    r.usec = *usec;
    std::string_view text = bytes.substr(semicolon + 1);
    r.text = std::string(text.substr(0, text.find('\n')));  // the dictionary lines that follow are the device's
    return r;
}

bool is_kernel_splat(const KmsgRecord& record, bool (*ours)(long pid)) {
    const std::string_view t = record.text;
    constexpr std::array<std::string_view, 9> kOpeners{
        "WARNING: ", "BUG: ", "kernel BUG at ", "Oops: ", "Oops#", "general protection fault", "UBSAN: ",
        "RTNL: assertion failed", "unregister_netdevice: waiting for"};
    bool splat = false;
    for (const auto& o : kOpeners) splat = splat || starts_with(t, o);
    // rtnetlink's own complaints at warning level or worse (its WARN_ONs are "WARNING: ... at net/core/rtnetlink.c").
    if (!splat && record.level <= 4 && t.find("rtnetlink") != std::string_view::npos) splat = true;
    if (!splat) return false;
    if (record.facility == 0) return true;
    return record.facility == 1 && ours && ours(claimed_pid(t));
}

bool ends_splat(std::string_view text) { return starts_with(text, "---[ end trace"); }

}  // namespace mvc
