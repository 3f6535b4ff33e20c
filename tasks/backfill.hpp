#pragma once
// Backfill through the trigger flag: a backfill_requests row (from `sluicectl backfill` or
// plain SQL) becomes the windows of its range. Whoever calls process_backfill_requests (the
// daemon on its backfill timer and on NOTIFY sluice_backfill, `sluicectl run-once`) takes
// open requests one at a time, so two processors never both take one, and the windows then
// run like any other under the pipeline's backfill limit (`max_active_backfill`), apart from
// the live limit, so a large backfill never starves the schedule.
#include <cstdint>
#include <memory>
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

// Pure: what a request over [from, to) does at `now`. Windows are those the schedule would
// have (time::windows_in_range); one not yet due (end + x_time_back > now) is left to the
// schedule. Missing windows are created. Existing ones are reset when `reprocess` names
// their status; an IN_PROGRESS one always stays with its run, a PENDING one will run anyway.
struct BackfillPlan {
  std::vector<Window> create;
  std::vector<Window> reset;
  std::vector<Window> running;  // IN_PROGRESS: left to the run that holds it
  std::vector<Window> kept;     // existing and not reset (PENDING, or not named by reprocess)
  std::int64_t not_due = 0;

  std::int64_t windows() const {
    return static_cast<std::int64_t>(create.size() + reset.size() + running.size() + kept.size());
  }
};
BackfillPlan plan_backfill(const time::WindowSpec& spec, Instant from, Instant to, Instant now,
                           store::Reprocess reprocess, std::span<const ExistingWindow> existing);

struct BackfillOptions {
  std::string holder{};   // host:pid, written as claimed_by and on events
  int max_requests = 16;  // taken per call; the rest wait for the next call
};

struct BackfillPass {
  std::vector<store::BackfillTaken> taken;  // requests started by this call
  std::int64_t finished = 0;                // requests that became DONE or FAILED
};

// Takes the open requests of `pipelines` (others are left for a process that knows their
// pipeline), creates or resets their windows, then records every running request's
// progress and completion. Safe to call from any number of processes at once: a request
// is taken by one (FOR UPDATE SKIP LOCKED), records are inserted ON CONFLICT DO NOTHING
// and resets re-check the status on the locked row, so a window never gets a second record
// and a running one is never touched.
Result<BackfillPass> process_backfill_requests(
    store::Connection& connection,
    std::span<const std::shared_ptr<const PipelineRuntime>> pipelines, Instant now,
    const BackfillOptions& options);

}  // namespace sluice::tasks
