#pragma once
// The two scheduling duties, one code path for sluiced (its cron ticks and cleanup timer) and
// `sluicectl run-once`: generating every pipeline's due windows, and freeing the locks of
// windows whose lease expired, with the thresholds the config sets.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "framework/config/model.hpp"
#include "framework/core/error.hpp"
#include "framework/store/record_store.hpp"
#include "tasks/pipeline_runtime.hpp"

namespace sluice::tasks {

using Runtimes = std::vector<std::shared_ptr<const PipelineRuntime>>;

// Every configured pipeline's own threshold and retries (paused ones too: a lock of theirs
// expires like any other), and the daemon's `stale_threshold` for records of pipelines the
// config no longer has.
struct StalePolicy {
  std::vector<store::StaleLimit> limits;
  store::StaleLimit fallback;
};
StalePolicy stale_policy(const Runtimes& configured, std::chrono::seconds daemon_threshold);
// The same from a loaded config: its paused pipelines have no runtime, yet their locks keep
// their own threshold and retries.
StalePolicy stale_policy(const config::Config& config);

Result<store::CleanupReport> free_stale_locks(store::RecordStore& records,
                                              const StalePolicy& policy);

class LeaseKeeper;
// A daemon's own orphans: windows its holder has IN_PROGRESS that none of its workers holds
// (`leases` does not account for them) and whose lease was not renewed for 3 heartbeat
// intervals (the keeper's), by the database clock. A claim whose commit reached the server
// while its reply was lost leaves one: no worker runs it, and without this it would wait for
// the stale threshold. Each is released (back to PENDING, no attempt counted, fenced by its
// run ID); returns how many.
Result<std::int64_t> release_orphans(store::RecordStore& records, LeaseKeeper& leases);

struct GenerateLimits {
  std::size_t batch = 1000;  // windows per statement (scheduler.max_windows_per_tick)
  // Time one pipeline may take in one call; the rest of a long catchup is `cut` for the
  // caller to go on with. Zero: no limit.
  std::chrono::steady_clock::duration budget{};
  // Asked between batches and pipelines: false stops (a drain).
  std::function<bool()> keep_going{};
  // Pipelines whose newest windows one statement reads (generation.cpp).
  std::size_t pipelines = 1000;
};

struct GenerateReport {
  std::int64_t created = 0;
  // Pipelines whose catchup ran out of budget: more windows are due.
  Runtimes cut;
  // One entry per pipeline that could not generate; the others went on.
  std::vector<std::pair<PipelineId, Error>> failed;
  // The connection was lost: generation stopped there, and what it did not reach is caught
  // up from the records at the next call.
  std::optional<Error> lost;
};

// Every pipeline's due windows at `now`, in a few statements however many pipelines there
// are (generation.cpp): the windows generate_due would make for each, in batches of
// `limits.batch` windows of many pipelines; a long catchup goes on alone, under `budget`.
GenerateReport generate_all(store::RecordStore& records, const Runtimes& pipelines, Instant now,
                            const GenerateLimits& limits);

}  // namespace sluice::tasks
