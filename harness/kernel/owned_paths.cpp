// SPDX-License-Identifier: MIT
#include "owned_paths.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <vector>

#include "error.hpp"

namespace mvc {

namespace {

std::string mode_text(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

void check_directory_fd(int fd, const std::filesystem::path& path, uid_t owner) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw_errno("stat " + path.string());
    if (!S_ISDIR(st.st_mode)) throw UntrustedPath(path.string() + " is not a directory");
    if (const auto why = untrusted_because(st, owner); !why.empty())
        throw UntrustedPath("refusing the directory " + path.string() + ": " + why + "; fix: keep such files in a directory only uid " +
                            std::to_string(owner) + " can write (such as /run/macvlan-conformance, mode 0700)");
}

UniqueFd open_directory_nofollow(const std::filesystem::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ELOOP || errno == ENOTDIR)
            throw UntrustedPath("refusing " + path.string() + ": it is a symbolic link or not a directory");
        throw_errno("open " + path.string());
    }
    return fd;
}

}  // namespace

std::string untrusted_because(const struct stat& status, uid_t owner) {
    if (status.st_uid != owner)
        return "it is owned by uid " + std::to_string(status.st_uid) + ", not " + std::to_string(owner) + " (who runs this)";
    if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return "it is writable by group or others (mode " + mode_text(status.st_mode) + "): anyone could have changed it";
    return "";
}

void make_private_directory(const std::filesystem::path& path, uid_t owner) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("create " + path.string());
    check_private_directory(path, owner);
}

void check_private_directory(const std::filesystem::path& path, uid_t owner) {
    check_directory_fd(open_directory_nofollow(path).get(), path, owner);
}

UniqueFd open_trusted_file(const std::filesystem::path& file, uid_t owner) {
    const auto directory = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    const UniqueFd dir = open_directory_nofollow(directory);
    check_directory_fd(dir.get(), directory, owner);
    UniqueFd fd(::openat(dir.get(), file.filename().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd) {
        if (errno == ELOOP) throw UntrustedPath("refusing " + file.string() + ": it is a symbolic link");
        throw_errno("open " + file.string());
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + file.string());
    if (!S_ISREG(st.st_mode)) throw UntrustedPath("refusing " + file.string() + ": it is not a regular file");
    if (const auto why = untrusted_because(st, owner); !why.empty())
        throw UntrustedPath("refusing " + file.string() + ": " + why + "; if you wrote it yourself, fix it with chown " +
                            std::to_string(owner) + " " + file.string() + " && chmod go-w " + file.string());
    return fd;
}

std::string remove_own_directory(int parent, const std::string& name, uid_t owner) {
    UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return errno == ELOOP || errno == ENOTDIR ? "a symbolic link or not a directory" : errno_name(errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return errno_name(errno);
    if (st.st_uid != owner) return "owned by uid " + std::to_string(st.st_uid);
    if ((st.st_mode & 07777) != 0700) return "mode " + mode_text(st.st_mode) + ", not 0700";
    DIR* listing = ::fdopendir(::dup(fd.get()));
    if (!listing) return errno_name(errno);
    std::vector<std::string> entries;
    bool subdirectory = false;
    while (const dirent* e = ::readdir(listing)) {
        const std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        struct stat entry {};
        if (::fstatat(fd.get(), n.c_str(), &entry, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(entry.st_mode)) subdirectory = true;
        entries.push_back(n);
    }
    ::closedir(listing);
    if (subdirectory) return "it holds a directory, which this tool never makes there";
    for (const auto& n : entries)
        if (::unlinkat(fd.get(), n.c_str(), 0) != 0 && errno != ENOENT) return "cannot remove " + n + ": " + errno_name(errno);
    if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) return errno_name(errno);
    return "";
}

}  // namespace mvc
