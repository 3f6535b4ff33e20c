#pragma once
// Generates, claims and runs windows with N workers until nothing is claimable: the engine
// of `sluicectl run-once`, and of sluiced's workers. Every worker has its own database
// connection; a lease keeper renews the leases of running windows on its own connection
// and tells a worker the moment its lock is gone.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "framework/store/record_store.hpp"
#include "framework/time/duration.hpp"
#include "tasks/chain.hpp"
#include "tasks/claimable.hpp"
#include "tasks/lease_keeper.hpp"
#include "tasks/pipeline_runtime.hpp"
#include "tasks/scheduling.hpp"

namespace sluice::tasks {

struct RunnerOptions {
  std::string database_url;
  int workers = 2;
  std::string holder;  // host:pid; default_holder() when empty
  std::chrono::milliseconds heartbeat_interval{10'000};
  std::size_t generate_batch = 1000;  // scheduler.max_windows_per_tick
  // The stale-lock cleanup's limits (scheduling.hpp): every configured pipeline's, not only
  // those run, and the daemon's stale_threshold as the fallback. Without limits: those of
  // the pipelines run, with the fallback's threshold.
  StalePolicy stale;
  // `stage.keep_failed`: run_once sweeps the stage of finished windows (stage_sweep.hpp).
  time::Duration keep_failed{0, Seconds{7 * 86400}};
  // Raised to drain: workers finish the window they hold and claim no more.
  const std::atomic<bool>* stop = nullptr;
};

struct RunSummary {
  std::int64_t generated = 0;
  std::int64_t expired = 0;
  std::int64_t success = 0, skipped = 0, failed = 0, retries = 0, released = 0, lock_lost = 0,
               store_errors = 0;
  std::int64_t rows = 0;
  std::int64_t swept = 0;  // stage directories of finished windows removed

  std::int64_t finished() const { return success + skipped + failed; }
  RunSummary& operator+=(const RunSummary& o);
};

std::string default_holder();  // `host:pid`

// The records a pipeline's due windows become, business fields rendered.
std::vector<store::NewRecord> new_records(const PipelineRuntime& pipeline,
                                          std::span<const Window> windows, Trigger trigger);

// Inserts a pipeline's windows due at `now` after its newest record, `batch` per statement
// (all of a catchup when the pipeline catches up, else one batch); returns how many were new.
// `keep_going`, asked between batches, may cut a long catchup short (a drain, a time budget):
// the next call goes on from the newest record.
Result<std::int64_t> generate_due(store::RecordStore& records, const PipelineRuntime& pipeline,
                                  Instant now, std::size_t batch,
                                  const std::function<bool()>& keep_going = {});
// The same once the end of the pipeline's newest record is known (nullopt: none yet).
Result<std::int64_t> generate_due_after(store::RecordStore& records,
                                        const PipelineRuntime& pipeline,
                                        std::optional<Instant> after, Instant now,
                                        std::size_t batch,
                                        const std::function<bool()>& keep_going = {});

// What a worker asks its owner before each claim: the pipelines it may claim now (a reload
// may change them; made once per load, not per claim) and whether to claim at all (drain,
// database gone).
struct WorkerSource {
  std::function<std::shared_ptr<const ClaimablePipelines>()> pipelines;
  std::function<bool()> keep_claiming;
};

struct WorkerEnd {
  RunSummary summary;
  // The claim or a fenced write found the database out of reach (Error::connection_lost).
  // Any other store error is counted in summary.store_errors and only ends this worker.
  std::optional<Error> store_error;
  // Windows still IN_PROGRESS under this holder's run ID because their last write failed:
  // to release once the database is back, so they need not wait for the stale threshold.
  std::vector<store::Record> unfinished;
};

// One worker: claims the oldest claimable window and runs its chain, until nothing is
// claimable, keep_claiming() is false, or the store fails.
WorkerEnd claim_and_run(store::RecordStore& records, LeaseKeeper& leases,
                        const WorkerSource& source);

// A fresh store: a new connection (sluiced's workers, the lease keeper).
using OpenStore = LeaseKeeper::OpenStore;

// claim_and_run on `records` (opened first when empty), and once more on a fresh store when
// the store was lost: a lost connection may only mean that one went stale (the server
// restarted while it sat idle), and a fresh one decides whether the database is really gone.
// When it is back, the windows whose write failed are released at once and the worker goes
// on. `records` is left holding a store that works, or empty.
WorkerEnd run_worker(std::unique_ptr<store::RecordStore>& records, const OpenStore& open,
                     LeaseKeeper& leases, const WorkerSource& source);

// Returns windows this holder still has IN_PROGRESS to PENDING (Move::release, no attempt
// counted), each with `why` as its message; returns how many were released. A write refused
// for one record is logged and the others go on (the stale-lock cleanup frees that one,
// counting an attempt); a lost connection stops at once.
Result<std::int64_t> release_windows(store::RecordStore& records,
                                     std::span<const store::Record> windows, std::string_view why);

class Runner {
 public:
  Runner(RunnerOptions options, std::vector<std::shared_ptr<const PipelineRuntime>> pipelines);

  // Inserts the windows due at `now` for every pipeline; returns how many were new.
  Result<std::int64_t> generate(Instant now);
  Result<store::CleanupReport> cleanup();
  // Claims and runs until no window is claimable.
  RunSummary drain();
  // Removes the stage of windows finished for good; returns how many.
  Result<std::int64_t> sweep_stage();
  // cleanup, generate, drain, sweep_stage.
  Result<RunSummary> run_once(Instant now);

 private:
  RunnerOptions options_;
  std::vector<std::shared_ptr<const PipelineRuntime>> pipelines_;
  std::shared_ptr<const ClaimablePipelines> claimable_;
};

}  // namespace sluice::tasks
