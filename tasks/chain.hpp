#pragma once
// The task chain for one claimed record:
//   store & validate -> pre-validation count -> source->stage -> stage->target -> audit
// A retried record resumes after phase_completed; source->stage is redone when the stage
// file is gone. When the target can take rows as they come, source->stage feeds its load
// while writing the stage file (extracting and loading overlap) and stage->target commits
// it; a retry of stage->target loads from the stage file. Each task returns what it wants written;
// the chain writes it fenced by the run ID (one statement with its event), and stops at once when
// the lock was lost. Nothing a task does can throw past run(): the boundary catches and records it.
#include <atomic>
#include <functional>
#include <string>

#include "framework/store/records.hpp"
#include "tasks/pipeline_runtime.hpp"

namespace sluice::tasks {

enum class ChainEnd { success, skipped, failed, retry_scheduled, released, lock_lost, store_error };
std::string_view to_string(ChainEnd end);

struct ChainOutcome {
  ChainEnd end = ChainEnd::failed;
  std::string message;
  std::int64_t rows = 0;
};

struct ChainClock {
  std::function<Instant()> now;      // for the stability check of store & validate
  std::function<double()> jitter;    // [0, 1): the backoff's random draw
};

class Chain {
 public:
  Chain(store::Records& records, ChainClock clock) : records_(records), clock_(std::move(clock)) {}

  // `lost` is raised by the lease keeper when a heartbeat finds the lock gone.
  ChainOutcome run(const store::Record& record, const PipelineRuntime& pipeline,
                   const std::atomic<bool>& lost);

 private:
  store::Records& records_;
  ChainClock clock_;
};

}  // namespace sluice::tasks
