#pragma once
// The `pipelines` registry: every daemon writes what it loaded, at start and at each reload,
// so the database knows each pipeline's stale threshold (the stuck_windows view judges
// leases by it) and which definition (config_hash) which daemon (registered_by) last
// loaded. A registration never touches `paused`: that switch is the operators'.
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "framework/core/error.hpp"
#include "framework/store/database.hpp"

namespace sluice::store {

struct PipelineRegistration {
  std::string pipeline;
  std::string config_hash;
  std::chrono::seconds stale_threshold{0};
  // The notification kinds some channel hears (the outbox triggers skip the rest).
  std::vector<std::string> notify_events{};
};

// One statement for all of them; answers how many rows it wrote.
Result<std::int64_t> register_pipelines(Connection& c,
                                        std::span<const PipelineRegistration> pipelines,
                                        const std::string& holder);

}  // namespace sluice::store
