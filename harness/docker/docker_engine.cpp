#include "docker_engine.hpp"

#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/process.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>

#include "external_command.hpp"
#include "unique_fd.hpp"

namespace mvc {

namespace bp = boost::process;
using namespace std::chrono_literals;

namespace {

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
    size_t start = 0;
    while (start < s.size() && (s[start] == ' ' || s[start] == '\t' || s[start] == '\n')) ++start;
    return s.substr(start);
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!trim(line).empty()) out.push_back(trim(line));
    return out;
}

// The client's own explanation of a failure: the daemon's error or the client's, rather than the
// warnings before it ("IPv4 forwarding is disabled") or the hints after it ("Run 'docker run
// --help'", "exit status 1").
std::string last_line(const std::string& text) {
    const auto all = lines(text);
    for (auto it = all.rbegin(); it != all.rend(); ++it)
        if (it->rfind("Run '", 0) != 0 && it->rfind("See '", 0) != 0 && it->rfind("exit status ", 0) != 0 &&
            it->rfind("WARNING", 0) != 0)
            return *it;
    return all.empty() ? std::string() : all.back();
}

DockerResult spawn(const std::string& exe, const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    const auto outcome = run_external(exe, args, timeout);
    DockerResult r;
    r.args = args;
    r.exit_code = outcome.exit_code;
    r.timed_out = outcome.timed_out;
    r.out = outcome.out;
    r.err = outcome.start_error.empty() ? outcome.err : outcome.start_error;
    return r;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. Empty when
// there is no such process, or only its zombie (killed, not yet reaped: its objects are orphans
// already). The command name may contain spaces and parentheses: parse after the last ')'.
std::string start_time(const std::string& pid) {
    const std::string stat = read_file("/proc/" + pid + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return "";
    std::istringstream rest(stat.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 22 && rest >> field; ++i) {
        if (i == 3 && (field == "Z" || field == "X")) return "";
        if (i == 22) return field;
    }
    return "";
}

std::string pid_namespace() {
    struct stat st {};
    if (::stat("/proc/self/ns/pid", &st) != 0) return "0";
    return std::to_string(st.st_ino);
}

// Is the owner tag's process still running? Unknown (a PID namespace we cannot look into) counts
// as running: only leftovers that are certainly orphaned are removed.
bool owner_is_gone(const std::string& tag) {
    const auto first = tag.find('-');
    const auto second = tag.find('-', first == std::string::npos ? first : first + 1);
    if (first == std::string::npos || second == std::string::npos) return false;
    if (tag.substr(0, first) != pid_namespace()) return false;
    const std::string pid = tag.substr(first + 1, second - first - 1);
    const std::string started = tag.substr(second + 1);
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) return false;
    return start_time(pid) != started;
}

bool mentions_only_missing(const std::string& err, const std::vector<const char*>& missing_phrases) {
    for (const auto& line : lines(err)) {
        bool missing = false;
        for (const char* phrase : missing_phrases)
            if (line.find(phrase) != std::string::npos) missing = true;
        // Neither are the warnings the client prints on every call, nor the "exit status 1" that
        // newer clients add after a daemon's error.
        if (!missing && line.rfind("WARNING", 0) != 0 && line.rfind("exit status ", 0) != 0) return false;
    }
    return true;
}

// Removes `names` with one `docker <verb...> names...`; names the engine does not know count as removed.
std::vector<std::string> remove_batch(const DockerEngine& engine, std::vector<std::string> verb,
                                      const std::vector<std::string>& names, const std::vector<const char*>& missing) {
    if (names.empty()) return {};
    verb.insert(verb.end(), names.begin(), names.end());
    const DockerResult r = engine.run(verb);
    if (r.ok() || (!r.timed_out && mentions_only_missing(r.err, missing))) return {};
    return {r.summary()};
}

const std::vector<const char*> kNoSuchContainer{"No such container"};
const std::vector<const char*> kNoSuchNetwork{"No such network", "not found"};
const std::vector<const char*> kNoSuchImage{"No such image"};

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

std::string DockerResult::command() const {
    std::string c = "docker";
    for (const auto& a : args) c += " " + a;
    return c;
}

std::string DockerResult::summary() const {
    std::string s = command() + ": ";
    if (timed_out) return s + "no answer in time (killed)";
    s += "exit " + std::to_string(exit_code);
    if (const auto why = last_line(err); !why.empty()) s += ": " + why;
    return s;
}

DockerError::DockerError(DockerResult result) : std::runtime_error(result.summary()), result_(std::move(result)) {}

std::optional<DockerEngine> DockerEngine::connect(const NetNamespace& ns, std::string* why_not,
                                                  std::chrono::milliseconds timeout) {
    const auto found = bp::search_path("docker");
    if (found.empty()) {
        if (why_not) *why_not = "no docker client on PATH (Debian: apt-get install docker.io)";
        return std::nullopt;
    }
    DockerEngine engine(ns, found.string());
    const DockerResult v = engine.run({"version", "--format", "{{.Client.Version}}|{{.Server.Version}}"}, timeout);
    if (!v.ok()) {
        if (why_not) {
            *why_not = "no Docker engine reachable (" + engine.endpoint() + "): ";
            if (v.timed_out)
                *why_not += "`docker version` did not answer within " + std::to_string(timeout.count() / 1000) + " s";
            else
                *why_not += last_line(v.err).empty() ? v.summary() : last_line(v.err);
        }
        return std::nullopt;
    }
    const std::string both = trim(v.out);
    const auto bar = both.find('|');
    engine.client_version_ = both.substr(0, bar);
    engine.server_version_ = bar == std::string::npos ? "" : both.substr(bar + 1);
    if (engine.server_version_.empty()) {
        if (why_not)
            *why_not = "no Docker engine reachable (" + engine.endpoint() + "): the engine reported no version";
        return std::nullopt;
    }
    return engine;
}

DockerResult DockerEngine::run(const std::vector<std::string>& args, std::chrono::milliseconds timeout) const {
    // The child inherits the network namespace of the thread that forks it.
    return ns_->run([&] { return spawn(client_, args, timeout); });
}

std::string DockerEngine::check(const std::vector<std::string>& args, std::chrono::milliseconds timeout) const {
    DockerResult r = run(args, timeout);
    if (!r.ok()) throw DockerError(std::move(r));
    return trim(r.out);
}

std::pair<int, int> DockerEngine::server_release() const {
    int major = 0, minor = 0;
    const char* s = server_version_.c_str();
    if (*s == 'v') ++s;
    if (std::sscanf(s, "%d.%d", &major, &minor) < 2) return {0, 0};
    return {major, minor};
}

std::string DockerEngine::endpoint() const {
    if (const char* host = std::getenv("DOCKER_HOST"); host && *host) return std::string("DOCKER_HOST=") + host;
    if (const char* context = std::getenv("DOCKER_CONTEXT"); context && *context)
        return std::string("DOCKER_CONTEXT=") + context;
    return "the client's current context";
}

std::string DockerEngine::describe() const {
    return "engine " + server_version_ + " (" + endpoint() + "), client " + client_ + " " + client_version_;
}

const std::string& docker_owner_tag() {
    static const std::string tag = [] {
        const std::string pid = std::to_string(::getpid());
        return pid_namespace() + "-" + pid + "-" + start_time(pid);
    }();
    return tag;
}

void DockerObjects::add(std::vector<std::string>& list, const std::string& name) {
    if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
}

DockerObjects::~DockerObjects() {
    for (const auto& problem : remove_all()) std::cerr << "macvlan-conformance: cleanup: " << problem << "\n";
}

std::string DockerObjects::remove_network(const std::string& name) {
    std::erase(networks_, name);
    const auto problems = remove_batch(engine_, {"network", "rm"}, {name}, kNoSuchNetwork);
    return problems.empty() ? "" : problems.front();
}

std::vector<std::string> DockerObjects::remove_all() {
    std::vector<std::string> problems;
    auto take = [&](std::vector<std::string> more) { problems.insert(problems.end(), more.begin(), more.end()); };
    // A network with a container attached cannot go, and an image in use by a container cannot.
    take(remove_batch(engine_, {"rm", "--force", "--volumes"}, containers_, kNoSuchContainer));
    take(remove_batch(engine_, {"network", "rm"}, {networks_.rbegin(), networks_.rend()}, kNoSuchNetwork));
    take(remove_batch(engine_, {"image", "rm"}, images_, kNoSuchImage));
    containers_.clear();
    networks_.clear();
    images_.clear();
    return problems;
}

std::optional<std::filesystem::path> find_static_busybox(std::string* why_not) {
    for (const char* candidate : {"/bin/busybox", "/usr/bin/busybox", "/usr/sbin/busybox"}) {
        std::ifstream in(candidate, std::ios::binary);
        if (!in) continue;
        Elf64_Ehdr eh{};
        if (!in.read(reinterpret_cast<char*>(&eh), sizeof eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
            eh.e_ident[EI_CLASS] != ELFCLASS64) {
            if (why_not) *why_not = std::string(candidate) + " is not a 64-bit ELF executable";
            continue;
        }
        bool dynamic = false;
        for (unsigned i = 0; i < eh.e_phnum; ++i) {
            Elf64_Phdr ph{};
            in.seekg(static_cast<std::streamoff>(eh.e_phoff + i * eh.e_phentsize));
            if (!in.read(reinterpret_cast<char*>(&ph), sizeof ph)) break;
            if (ph.p_type == PT_INTERP) dynamic = true;
        }
        if (dynamic) {
            if (why_not)
                *why_not = std::string(candidate) + " is dynamically linked (Debian: apt-get install busybox-static)";
            continue;
        }
        return std::filesystem::path(candidate);
    }
    if (why_not && why_not->empty()) *why_not = "no busybox found (Debian: apt-get install busybox-static)";
    return std::nullopt;
}

void import_busybox_image(const DockerEngine& engine, DockerObjects& objects, const std::string& reference) {
    std::string why;
    const auto busybox = find_static_busybox(&why);
    if (!busybox) throw std::runtime_error("cannot build the test image: " + why);
    std::ifstream in(*busybox, std::ios::binary);
    const std::string binary((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (binary.empty()) throw std::runtime_error("cannot read " + busybox->string());

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
    engine.check({"image", "import", "--message", "macvlan-conformance test image: " + busybox->string(), tar.path(),
                  reference});
}

std::vector<std::string> remove_leftovers_of_dead_runs(const DockerEngine& engine) {
    std::vector<std::string> removed;
    const std::string label = kDockerOwnerLabel;
    const std::string owner_format = "{{.Label \"" + label + "\"}}";
    auto sweep = [&](const std::vector<std::string>& list, const std::vector<std::string>& remove, const char* kind) {
        const DockerResult r = engine.run(list);
        if (!r.ok()) return;
        for (const auto& line : lines(r.out)) {
            const auto tab = line.find('\t');
            if (tab == std::string::npos) continue;
            const std::string name = line.substr(0, tab), owner = line.substr(tab + 1);
            if (!owner_is_gone(owner)) continue;
            auto argv = remove;
            argv.push_back(name);
            if (engine.run(argv).ok()) removed.push_back(std::string(kind) + " " + name + " (left by " + owner + ")");
        }
    };
    sweep({"container", "ls", "--all", "--filter", "label=" + label, "--format", "{{.Names}}\t" + owner_format},
          {"rm", "--force", "--volumes"}, "container");
    sweep({"network", "ls", "--filter", "label=" + label, "--format", "{{.Name}}\t" + owner_format}, {"network", "rm"},
          "network");
    sweep({"image", "ls", kDockerImageRepository, "--format", "{{.Repository}}:{{.Tag}}\t{{.Tag}}"}, {"image", "rm"},
          "image");
    return removed;
}

}  // namespace mvc
