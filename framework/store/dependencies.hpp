#pragma once
// `depends_on` in the database: the edges sluice_claim reads (sql/migrations/
// 0012_dependencies.sql), registered from the config by sluiced at each load and by
// `sluicectl run-once`, and what a waiting window waits on.
#include <chrono>
#include <optional>
#include <span>
#include <string>

#include "framework/core/error.hpp"
#include "framework/core/window.hpp"
#include "framework/store/database.hpp"

namespace sluice::store {

struct DependencyEdge {
  std::string pipeline;
  std::string upstream;
  std::string mode;  // windows | latest
  // The longest window the upstream can have: how far back the overlap scan starts.
  std::chrono::seconds upstream_span{0};
};

// Replaces the edges of `pipelines` (every pipeline the config holds, so an edge taken out of
// a file goes) with `edges`, and makes sure each pipeline named has its `pipelines` row with
// its frontier (newest_done_end), in one transaction.
Result<void> register_dependencies(Connection& c, std::span<const std::string> pipelines,
                                   std::span<const DependencyEdge> edges);

// What a window of `pipeline` waits on (`waiting on orders_hourly [..) PENDING`); nullopt
// when nothing holds it.
Result<std::optional<std::string>> waiting_on(Connection& c, const std::string& pipeline,
                                              const Window& window);

}  // namespace sluice::store
