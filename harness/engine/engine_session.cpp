// SPDX-License-Identifier: MIT
#include "engine_session.hpp"

#include <iostream>

#include "engine_image.hpp"

namespace mvc {

std::unique_ptr<EngineSession> EngineSession::open(EngineKind kind, const NetNamespace& machine, std::ostream& notices,
                                                   const std::filesystem::path& reaper_program) {
    std::unique_ptr<EngineSession> session(new EngineSession);
    session->engine_ = ContainerEngine::connect(kind, machine, &session->why_not_);
    if (!session->engine_) return session;
    for (const auto& line : remove_leftovers_of_dead_runs(*session->engine_))
        notices << "macvlan-conformance: removed a " << session->engine_->dialect().display
                << " leftover of a run that died: " << line << "\n";
    session->reaper_ =
        EngineReaper::start(machine, kind, session->engine_->client(), engine_owner_tag(), reaper_program);
    session->busybox_ = find_static_busybox(&session->image_missing_);
    return session;
}

EngineSession::~EngineSession() {
    for (const auto& problem : close()) std::cerr << "macvlan-conformance: cleanup: " << problem << "\n";
}

const std::string& EngineSession::image() {
    if (!engine_) throw std::logic_error("no container engine: " + why_not_);
    if (!busybox_) throw std::runtime_error("cannot build the test image: " + image_missing_);
    if (!image_objects_) {
        auto objects = std::make_unique<EngineObjects>(*engine_);
        const std::string reference = test_image_reference();
        import_busybox_image(*engine_, *objects, reference, *busybox_);  // on failure, `objects` removes what was made
        image_objects_ = std::move(objects);
        image_reference_ = reference;
    }
    return image_reference_;
}

std::vector<std::string> EngineSession::close() {
    std::vector<std::string> problems;
    if (image_objects_) {
        for (const auto& p : image_objects_->remove_all()) problems.push_back("the test image could not be removed: " + p);
        image_objects_.reset();
    }
    if (reaper_) {
        const auto more = reaper_->finish();
        problems.insert(problems.end(), more.begin(), more.end());
        reaper_.reset();
    }
    return problems;
}

}  // namespace mvc
