// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "container_engine.hpp"
#include "engine_objects.hpp"

namespace mvc {

// The one-file image every test container runs: a statically linked busybox as /bin/busybox, and
// nothing else, imported from a local file (`docker image import`), so no registry is ever asked
// for anything.

// Set to a path, the static busybox to build the image from, instead of looking in the usual
// places (for a machine that keeps it elsewhere, and for the tests of a machine without one).
inline constexpr const char* kBusyboxVariable = "MACVLAN_CONFORMANCE_BUSYBOX";
// What the Debian package that brings it is called, for every reason that there is none.
inline constexpr const char* kBusyboxPackage = "busybox-static";

// Where the static busybox is looked for: $MACVLAN_CONFORMANCE_BUSYBOX alone when it is set,
// otherwise /bin/busybox, /usr/bin/busybox and /usr/sbin/busybox.
std::vector<std::filesystem::path> busybox_candidates();
// The first candidate that is a statically linked 64-bit ELF executable. Empty, with *why_not
// saying what was found instead and naming busybox-static, when none is.
std::optional<std::filesystem::path> find_static_busybox(const std::vector<std::filesystem::path>& candidates,
                                                         std::string* why_not);
std::optional<std::filesystem::path> find_static_busybox(std::string* why_not);

// "macvlan-conformance/busybox:<this run's owner tag>".
std::string test_image_reference();

// The image's one layer: a tar archive (POSIX ustar, written with libarchive) holding the
// directory bin/ and `binary` as bin/busybox, both mode 0755, owned by root, dated 0. `source` names
// the file in error messages.
std::string one_file_image_archive(const std::string& binary, const std::string& source);

// Imports the image from `busybox` as `reference`, registered in `objects` before the import; the
// archive goes to the client's standard input, so there is no file to leave behind.
// Throws when the file cannot be read or the import fails.
void import_busybox_image(const ContainerEngine& engine, EngineObjects& objects, const std::string& reference,
                          const std::filesystem::path& busybox);

}  // namespace mvc
