#pragma once
// The sweep of stage directories: the chain removes a window's stage when it ends SUCCESS or
// SKIPPED, but a worker killed between the audit and that removal leaves it behind for good,
// and a FAILED window keeps its stage for a look at it. The sweep removes the stage of every
// window that is finished for good (store/finished_windows.hpp) and no run holds. Called by
// sluiced's stale-lock cleanup duty and by `sluicectl run-once`.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <pqxx/connection>

#include "framework/core/error.hpp"
#include "framework/time/duration.hpp"
#include "tasks/pipeline_runtime.hpp"

namespace sluice::tasks {

struct SweepOptions {
  time::Duration keep_failed;  // `stage.keep_failed`: a FAILED window's stage stays this long
  std::size_t batch = 500;     // directories looked up per query: memory stays flat
};

// Walks each pipeline's stage, `batch` windows at a time; returns how many it removed. A
// directory that cannot be removed is logged and left for the next sweep; only a database
// error ends the walk.
Result<std::int64_t> sweep_stage(
    pqxx::connection& connection,
    const std::vector<std::shared_ptr<const PipelineRuntime>>& pipelines,
    const SweepOptions& options);

}  // namespace sluice::tasks
