#pragma once
// Backfill through the trigger flag: a backfill_requests row (from `sluicectl backfill` or
// plain SQL) becomes the windows of its range. Whoever calls process_backfill_requests (the
// daemon on its backfill timer and on NOTIFY sluice_backfill, `sluicectl run-once`) plans
// open requests a batch at a time, two processors never the same batch, and the windows then
// run like any other under the pipeline's backfill limit (`max_active_backfill`), apart from
// the live limit, so a large backfill never starves the schedule.
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "framework/store/backfill.hpp"
#include "framework/store/database.hpp"
#include "tasks/pipeline_runtime.hpp"

namespace sluice::tasks {

// What a record of the range already is, for planning.
struct ExistingWindow {
  Instant start;
  store::Status status = store::Status::pending;
};

// The most windows a request's range may hold: scheduler.backfill_max_windows' default.
inline constexpr std::int64_t kDefaultBackfillMaxWindows = 1'000'000;

// Refused (a permanent error naming the count and the limit) when the range [from, to) holds
// more than `max_windows` windows. Counted without making them, so a range to 9999-12-31
// is refused at once.
Result<std::int64_t> check_backfill_size(const time::WindowSpec& spec, Instant from, Instant to,
                                         std::int64_t max_windows);

// Pure: what a request over [from, to) does at `now`. Windows are those the schedule would
// have (time::WindowRange); one not yet due (end + x_time_back > now) is left to the
// schedule. Missing windows are created. Existing ones are reset when `reprocess` names
// their status; an IN_PROGRESS one always stays with its run, a PENDING one will run anyway.
// Streamed: `existing` is pulled in window start order, and each action keeps its count and
// only its first `listed` windows, so memory does not grow with the range.
struct BackfillPlan {
  struct Action {
    std::int64_t count = 0;
    std::vector<Window> first;  // the first `listed` of them
  };
  Action create, reset;
  Action running;  // IN_PROGRESS: left to the run that holds it
  Action kept;     // existing and not reset (PENDING, or not named by reprocess)
  std::int64_t not_due = 0;

  std::int64_t windows() const { return create.count + reset.count + running.count + kept.count; }
};
// The range's records, oldest first; nullopt once there are no more.
using ExistingWindows = std::function<std::optional<ExistingWindow>()>;
BackfillPlan plan_backfill(const time::WindowSpec& spec, Instant from, Instant to, Instant now,
                           store::Reprocess reprocess, const ExistingWindows& existing,
                           std::size_t listed);

struct BackfillOptions {
  std::string holder{};  // host:pid, written as claimed_by and on events
  // Batches (one transaction each) per call; the rest waits for the next call, so a caller
  // that must stay responsive (the daemon's control thread) gets back control between them.
  int max_batches = std::numeric_limits<int>::max();
  std::size_t batch_windows = 1000;                       // windows per batch
  std::int64_t max_windows = kDefaultBackfillMaxWindows;  // scheduler.backfill_max_windows
  std::function<bool()> stop{};  // asked between batches: true ends the call (SIGTERM)
};

struct BackfillPass {
  std::vector<store::BackfillTaken> taken;  // requests whose planning ended in this call
  std::int64_t batches = 0;                 // batches planned by this call
  std::int64_t finished = 0;                // requests that became DONE or FAILED
  bool more = false;                        // stopped by max_batches or stop(): call again to go on
};

// Takes the open requests of `pipelines` (others are left for a process that knows their
// pipeline) a batch at a time, creates or resets their windows, then, unless it stopped
// with more to do, records every running request's progress and completion. Safe to call
// from any number of processes at once: a batch is planned under the request's row lock
// (FOR UPDATE SKIP LOCKED), records are inserted ON CONFLICT DO NOTHING and resets re-check
// the status on the locked row, so a window never gets a second record and a running one is
// never touched.
Result<BackfillPass> process_backfill_requests(
    store::Connection& connection,
    std::span<const std::shared_ptr<const PipelineRuntime>> pipelines, Instant now,
    const BackfillOptions& options);

}  // namespace sluice::tasks
