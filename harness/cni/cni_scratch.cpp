// SPDX-License-Identifier: MIT
#include "cni_scratch.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "owner_tag.hpp"

namespace mvc {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFallbackPrefix = "macvlan-conformance-cni-";

// A tmpfs that is mounted nowhere: fsopen, a size limit (leases and cache entries are a few
// bytes each), fsmount. The mount lives as long as the descriptor.
UniqueFd detached_tmpfs(std::string* why_not) {
    UniqueFd context(static_cast<int>(::syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC)));
    if (!context) {
        *why_not = std::string("fsopen(tmpfs): ") + std::strerror(errno);
        return UniqueFd();
    }
    if (::syscall(SYS_fsconfig, context.get(), FSCONFIG_SET_STRING, "size", "4m", 0) != 0 ||
        ::syscall(SYS_fsconfig, context.get(), FSCONFIG_SET_STRING, "mode", "0700", 0) != 0 ||
        ::syscall(SYS_fsconfig, context.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
        *why_not = std::string("fsconfig(tmpfs): ") + std::strerror(errno);
        return UniqueFd();
    }
    UniqueFd mount(static_cast<int>(::syscall(SYS_fsmount, context.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID)));
    if (!mount) *why_not = std::string("fsmount(tmpfs): ") + std::strerror(errno);
    return mount;
}

fs::path temporary_root() {
    const char* tmp = std::getenv("TMPDIR");
    return tmp && *tmp ? fs::path(tmp) : fs::path("/tmp");
}

}  // namespace

CniScratch::CniScratch() {
    std::string why_not;
    mount_ = detached_tmpfs(&why_not);
    if (mount_) {
        path_ = "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(mount_.get());
        return;
    }
    std::string pattern = (temporary_root() / (std::string(kFallbackPrefix) + owner_tag() + ".XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error("no scratch directory for the CNI files: " + why_not + "; mkdtemp " + pattern + ": " +
                                 std::strerror(errno));
    path_ = pattern;
}

CniScratch::~CniScratch() {
    if (mount_) return;  // the kernel frees the tmpfs with the descriptor
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::string CniScratch::describe() const {
    if (mount_) return "a detached tmpfs (" + path_.string() + ")";
    return path_.string() + " (no detached tmpfs here)";
}

std::vector<std::string> CniScratch::files(const fs::path& relative) const {
    std::vector<std::string> out;
    const fs::path root = path_ / relative;
    std::error_code ec;
    if (!fs::exists(root, ec)) return out;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        // lexically: the root may be a /proc/<pid>/fd/<n> link, which canonical paths would resolve away
        if (it->is_regular_file(ec)) out.push_back(it->path().lexically_relative(root).string());
    return out;
}

std::vector<std::string> remove_scratch_of_dead_runs() {
    std::vector<std::string> removed;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(temporary_root(), ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(kFallbackPrefix, 0) != 0) continue;
        const std::string tag = name.substr(std::strlen(kFallbackPrefix), name.rfind('.') - std::strlen(kFallbackPrefix));
        if (!owner_is_gone(tag)) continue;
        std::error_code rm;
        fs::remove_all(e.path(), rm);
        if (!rm) removed.push_back(e.path().string());
    }
    return removed;
}

}  // namespace mvc
