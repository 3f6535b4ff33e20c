#pragma once
// The task chain for one claimed record:
//   store & validate -> pre-validation count -> source->stage -> stage->target -> audit
// A retried record resumes after phase_completed; source->stage is redone when the stage
// file is gone. When the target can take rows as they come, source->stage feeds its load
// while writing the stage file (extracting and loading overlap) and stage->target commits
// it; a retry of stage->target loads from the stage file. Each task returns what it wants written;
// the chain writes it fenced by the run ID (one statement with its event), and stops at once when
// the lock was lost. Nothing a task does can throw past run(): the boundary catches and records it.
// A write the database refuses (a data error, a constraint, a timeout: anything but a lost
// connection) is replaced by a plain failure write carrying the refusal, so the window fails,
// or is retried with the attempt counted, instead of staying claimed.
#include <atomic>
#include <functional>
#include <string>

#include "framework/store/record_store.hpp"
#include "tasks/lease.hpp"
#include "tasks/pipeline_runtime.hpp"

namespace sluice::tasks {

enum class ChainEnd { success, skipped, failed, retry_scheduled, released, lock_lost, store_error };
std::string_view to_string(ChainEnd end);

struct ChainOutcome {
  ChainEnd end = ChainEnd::failed;
  std::string message;
  std::int64_t rows = 0;
  // store_error: the database is out of reach (Error::connection_lost). Otherwise the
  // statement was refused even in its plainest form: the window stays IN_PROGRESS for the
  // stale-lock cleanup, which counts the attempt.
  bool connection_lost = false;
};

struct ChainClock {
  std::function<Instant()> now;    // for the stability check of store & validate
  std::function<double()> jitter;  // [0, 1): the backoff's random draw
};

class Chain {
 public:
  Chain(store::RecordStore& records, ChainClock clock)
      : records_(records), clock_(std::move(clock)) {}

  // `lease.lost` is raised by the lease keeper when a heartbeat finds the lock gone; run()
  // raises `lease.ending` before the write that ends the run.
  ChainOutcome run(const store::Record& record, const PipelineRuntime& pipeline, Lease& lease);

 private:
  ChainOutcome run_tasks(const store::Record& record, const PipelineRuntime& pipeline,
                         Lease& lease);

  store::RecordStore& records_;
  ChainClock clock_;
};

}  // namespace sluice::tasks
