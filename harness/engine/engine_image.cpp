// SPDX-License-Identifier: MIT
#include "engine_image.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <memory>

#include "engine_text.hpp"

namespace mvc {

namespace {

std::string package_hint() { return std::string(" (Debian: apt-get install ") + kBusyboxPackage + ")"; }

// Why `path` is no static busybox, or "" when it is one.
std::string unusable(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return "no " + path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot read " + path.string();
    Elf64_Ehdr eh{};
    if (!in.read(reinterpret_cast<char*>(&eh), sizeof eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64)
        return path.string() + " is not a 64-bit ELF executable";
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph{};
        in.seekg(static_cast<std::streamoff>(eh.e_phoff + i * eh.e_phentsize));
        if (!in.read(reinterpret_cast<char*>(&ph), sizeof ph)) return path.string() + " is truncated";
        // An interpreter means shared libraries, which the one-file image does not have.
        if (ph.p_type == PT_INTERP) return path.string() + " is dynamically linked";
    }
    return "";
}

struct ArchiveFree {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// libarchive's output callback: the archive goes into a string, and from there to the client's
// standard input (no file: nothing to leave in /tmp if the run is killed during the import).
la_ssize_t append(archive*, void* out, const void* buffer, size_t length) {
    static_cast<std::string*>(out)->append(static_cast<const char*>(buffer), length);
    return static_cast<la_ssize_t>(length);
}

}  // namespace

std::string one_file_image_archive(const std::string& binary, const std::string& source) {
    std::string out;
    std::unique_ptr<archive, ArchiveFree> a(archive_write_new());
    if (!a) throw std::bad_alloc();
    auto check = [&](int status, const std::string& what) {
        if (status != ARCHIVE_OK)
            throw std::runtime_error("cannot build the test image from " + source + ": " + what + ": " +
                                     (archive_error_string(a.get()) ? archive_error_string(a.get()) : "libarchive error"));
    };
    check(archive_write_set_format_ustar(a.get()), "ustar format");
    check(archive_write_open(a.get(), &out, nullptr, append, nullptr), "open");
    auto entry = [&](const char* path, mode_t type, size_t size) {
        std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
        if (!e) throw std::bad_alloc();
        archive_entry_set_pathname(e.get(), path);
        archive_entry_set_filetype(e.get(), type);
        archive_entry_set_perm(e.get(), 0755);
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
        archive_entry_set_uid(e.get(), 0);
        archive_entry_set_gid(e.get(), 0);
        archive_entry_set_uname(e.get(), "root");
        archive_entry_set_gname(e.get(), "root");
        archive_entry_set_mtime(e.get(), 0, 0);
        check(archive_write_header(a.get(), e.get()), std::string("header of ") + path);
    };
    entry("bin/", AE_IFDIR, 0);
    entry("bin/busybox", AE_IFREG, binary.size());
    if (archive_write_data(a.get(), binary.data(), binary.size()) != static_cast<la_ssize_t>(binary.size()))
        check(ARCHIVE_FATAL, "data of bin/busybox");
    check(archive_write_close(a.get()), "close");
    return out;
}

std::vector<std::filesystem::path> busybox_candidates() {
    if (const char* chosen = std::getenv(kBusyboxVariable); chosen && *chosen) return {chosen};
    return {"/bin/busybox", "/usr/bin/busybox", "/usr/sbin/busybox"};
}

std::optional<std::filesystem::path> find_static_busybox(const std::vector<std::filesystem::path>& candidates,
                                                         std::string* why_not) {
    std::vector<std::string> reasons;
    for (const auto& candidate : candidates) {
        const std::string why = unusable(candidate);
        if (why.empty()) return candidate;
        reasons.push_back(why);
    }
    if (why_not) {
        const bool chosen = std::getenv(kBusyboxVariable) && *std::getenv(kBusyboxVariable);
        *why_not = "no static busybox for the test image: " + engine_text::join(reasons, ", ") +
                   (chosen ? std::string(" (") + kBusyboxVariable + " is set)" : std::string()) + package_hint();
    }
    return std::nullopt;
}

std::optional<std::filesystem::path> find_static_busybox(std::string* why_not) {
    return find_static_busybox(busybox_candidates(), why_not);
}

std::string test_image_reference() { return std::string(kTestImageRepository) + ":" + engine_owner_tag(); }

void import_busybox_image(const ContainerEngine& engine, EngineObjects& objects, const std::string& reference,
                          const std::filesystem::path& busybox) {
    std::ifstream in(busybox, std::ios::binary);
    const std::string binary((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (binary.empty()) throw std::runtime_error("cannot read " + busybox.string());
    const std::string layer = one_file_image_archive(binary, busybox.string());
    objects.add_image(reference);
    // "-": the archive comes on standard input.
    engine.check({"image", "import", "--message", "macvlan-conformance test image: " + busybox.string(), "-", reference},
                 ContainerEngine::kCommandTimeout, layer);
}

}  // namespace mvc
