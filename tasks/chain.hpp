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
#include <chrono>
#include <functional>
#include <string>

#include "framework/store/record_store.hpp"
#include "tasks/lease.hpp"
#include "tasks/pipeline_runtime.hpp"

namespace sluice::tasks {

class CountsAhead;

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
  // The write that ends the window was left to EndWrites: the window has not ended yet.
  bool deferred = false;
};

// Where the chain leaves the write that ends an empty window (pre-validation's SKIPPED), so
// that its caller makes the writes of several windows in one statement
// (RecordStore::write_tasks). Until then the window stays IN_PROGRESS under its run ID, its
// lease held; the write is fenced like any other.
class EndWrites {
 public:
  virtual ~EndWrites() = default;
  // `started`: when the window's run began (its time in the metrics).
  virtual void defer(const store::Record& record, const store::TaskWrite& write,
                     std::chrono::steady_clock::time_point started) = 0;
  // Makes the deferred writes; the chain calls it before any write of its own, so that no
  // window's end waits behind another window's load.
  virtual void flush() = 0;
};

// The metrics and log line of a window whose end was deferred, once its write was made
// (`written`) or found the lock lost.
void record_deferred_end(const store::Record& record, const store::TaskWrite& write, bool written,
                         std::chrono::steady_clock::time_point started);

struct ChainClock {
  std::function<Instant()> now;    // for the stability check of store & validate
  std::function<double()> jitter;  // [0, 1): the backoff's random draw
};

class Chain {
 public:
  Chain(store::RecordStore& records, ChainClock clock)
      : records_(records), clock_(std::move(clock)) {}

  // `lease.lost` is raised by the lease keeper when a heartbeat finds the lock gone; run()
  // raises `lease.ending` before the write that ends the run. With `ends`, an empty window's
  // end is deferred to it (the outcome says `deferred`); with `ahead`, pre-validation takes
  // the counts it took with the claim's other windows (tasks/window_batch.hpp).
  ChainOutcome run(const store::Record& record, const PipelineRuntime& pipeline, Lease& lease,
                   EndWrites* ends = nullptr, CountsAhead* ahead = nullptr);

 private:
  ChainOutcome run_tasks(const store::Record& record, const PipelineRuntime& pipeline, Lease& lease,
                         EndWrites* ends, CountsAhead* ahead);

  store::RecordStore& records_;
  ChainClock clock_;
};

}  // namespace sluice::tasks
