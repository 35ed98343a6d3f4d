// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "container_engine.hpp"
#include "engine_objects.hpp"
#include "engine_reaper.hpp"
#include "net_namespace.hpp"

namespace mvc {

// What a container-engine suite shares between its tests, from its first test to its end: the engine
// (found once), the reaper (started before the first object, so nothing of the run can outlive
// it), and the test image (imported at the first test that needs it). close() or the destructor
// removes the image and ends the reaper.
class EngineSession {
public:
    // Looks for the engine in `machine`. Without one, engine() is null and why_not() says why.
    // With one, leftovers of dead runs are removed (each reported on `notices`) and the reaper is
    // started; a reaper that cannot start throws: no test may create objects without it.
    // `reaper_program` is this binary (see EngineReaper::start).
    static std::unique_ptr<EngineSession> open(EngineKind kind, const NetNamespace& machine, std::ostream& notices,
                                               const std::filesystem::path& reaper_program = "/proc/self/exe");
    ~EngineSession();
    EngineSession(const EngineSession&) = delete;
    EngineSession& operator=(const EngineSession&) = delete;

    const ContainerEngine* engine() const { return engine_ ? &*engine_ : nullptr; }
    const std::string& why_not() const { return why_not_; }
    EngineReaper& reaper() { return *reaper_; }

    // Why the test image cannot be built on this machine (no static busybox: the reason names
    // busybox-static), or "" when it can.
    const std::string& image_missing() const { return image_missing_; }
    // The test image's reference, imported at the first call. Throws when it cannot be built.
    const std::string& image();

    // Removes the image and ends the reaper; returns what went wrong.
    std::vector<std::string> close();

private:
    EngineSession() = default;
    std::optional<ContainerEngine> engine_;
    std::string why_not_;
    std::unique_ptr<EngineReaper> reaper_;
    std::optional<std::filesystem::path> busybox_;
    std::string image_missing_;
    std::unique_ptr<EngineObjects> image_objects_;
    std::string image_reference_;
};

}  // namespace mvc
