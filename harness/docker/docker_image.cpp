#include "docker_image.hpp"

#include <elf.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "docker_text.hpp"
#include "unique_fd.hpp"

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

// A ustar archive holding one directory and one executable: what `docker import` needs.
std::string ustar_header(const std::string& name, char type, mode_t mode, size_t size) {
    std::array<char, 512> h{};
    auto put = [&](size_t offset, size_t width, const std::string& text) {
        std::memcpy(h.data() + offset, text.data(), std::min(width, text.size()));
    };
    auto octal = [](unsigned long long value, int digits) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%0*llo", digits, value);
        return std::string(buf);
    };
    put(0, 100, name);
    put(100, 8, octal(mode, 7));
    put(108, 8, octal(0, 7));
    put(116, 8, octal(0, 7));
    put(124, 12, octal(size, 11));
    put(136, 12, octal(0, 11));
    std::memset(h.data() + 148, ' ', 8);  // the checksum is computed with its own field as spaces
    h[156] = type;
    put(257, 6, std::string("ustar\0", 6));
    put(263, 2, "00");
    put(265, 32, "root");
    put(297, 32, "root");
    unsigned sum = 0;
    for (char c : h) sum += static_cast<unsigned char>(c);
    put(148, 8, octal(sum, 6) + std::string("\0 ", 2));
    return std::string(h.data(), h.size());
}

// A file under /tmp, deleted by the destructor.
class TempFile {
public:
    TempFile() {
        char name[] = "/tmp/macvlan-conformance-image-XXXXXX";
        UniqueFd fd(::mkstemp(name));
        if (!fd) throw std::runtime_error(std::string("mkstemp: ") + std::strerror(errno));
        path_ = name;
    }
    ~TempFile() { ::unlink(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace

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
        *why_not = "no static busybox for the test image: " + docker_text::join(reasons, ", ") +
                   (chosen ? std::string(" (") + kBusyboxVariable + " is set)" : std::string()) + package_hint();
    }
    return std::nullopt;
}

std::optional<std::filesystem::path> find_static_busybox(std::string* why_not) {
    return find_static_busybox(busybox_candidates(), why_not);
}

std::string test_image_reference() { return std::string(kDockerImageRepository) + ":" + docker_owner_tag(); }

void import_busybox_image(const DockerEngine& engine, DockerObjects& objects, const std::string& reference,
                          const std::filesystem::path& busybox) {
    std::ifstream in(busybox, std::ios::binary);
    const std::string binary((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (binary.empty()) throw std::runtime_error("cannot read " + busybox.string());

    TempFile tar;
    {
        std::ofstream out(tar.path(), std::ios::binary | std::ios::trunc);
        out << ustar_header("bin/", '5', 0755, 0);
        out << ustar_header("bin/busybox", '0', 0755, binary.size()) << binary;
        out << std::string((512 - binary.size() % 512) % 512, '\0');
        out << std::string(1024, '\0');  // two empty blocks end the archive
        if (!out.flush()) throw std::runtime_error("cannot write " + tar.path());
    }
    objects.add_image(reference);
    engine.check({"image", "import", "--message", "macvlan-conformance test image: " + busybox.string(), tar.path(),
                  reference});
}

}  // namespace mvc
