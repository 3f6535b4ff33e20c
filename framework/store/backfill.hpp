#pragma once
// backfill_requests: the trigger flag an operator raises with `sluicectl backfill` or plain
// SQL, taken by one processor at a time (FOR UPDATE SKIP LOCKED) and followed to the end.
//
// A request's progress is read from the records of its range, not counted by whoever runs
// the windows: a window finished by any daemon, run-once or an operator's rerun counts, and
// nothing is counted twice.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <pqxx/connection>

#include "framework/core/error.hpp"
#include "framework/core/ids.hpp"
#include "framework/core/window.hpp"
#include "framework/store/operator.hpp"
#include "framework/store/params.hpp"
#include "framework/store/records.hpp"

namespace sluice::store {

enum class Reprocess { missing, failed, all };
std::string_view to_string(Reprocess r);  // the column values: missing, failed, all
std::optional<Reprocess> parse_reprocess(std::string_view text);

// The statuses a reprocess mode resets to PENDING; IN_PROGRESS and PENDING never are (a
// running window belongs to its run, a pending one will run anyway).
std::vector<Status> statuses_to_reset(Reprocess r);

struct BackfillRequest {
  std::int64_t id = 0;
  PipelineId pipeline;
  Instant from, to;
  Reprocess reprocess = Reprocess::missing;
  bool dry_run = false;
  std::string status;  // PENDING, RUNNING, DONE, FAILED, CANCELLED
  std::string requested_by;
  std::string claimed_by;
  std::optional<std::int64_t> windows_total;
  std::int64_t windows_done = 0;
  std::string message;
  std::optional<Instant> planned_until;  // set by each batch; nullopt before the first
  std::int64_t windows_created = 0, windows_reset = 0, windows_running = 0;
  Instant requested_at{};
  std::optional<Instant> started_at{}, finished_at{};
  bool force = false;  // reprocess all --force: windows reload even at equal counts
};

struct NewBackfillRequest {
  PipelineId pipeline;
  Instant from, to;
  Reprocess reprocess = Reprocess::missing;
  std::string requested_by;
  bool force = false;  // only with Reprocess::all (the table's check)
};

// The records of a request's range by status, and the rows loaded by those that succeeded.
struct BackfillProgress {
  std::int64_t total = 0;  // windows_total (0 until a processor planned the range)
  std::int64_t success = 0, skipped = 0, failed = 0, running = 0, pending = 0;
  std::int64_t rows = 0;
  std::string status;  // the request's
  std::string message;

  std::int64_t finished() const { return success + skipped + failed; }
  bool planned() const { return status != "PENDING"; }
  bool complete() const { return status == "DONE" || status == "FAILED" || status == "CANCELLED"; }
};

// What a processor did with a request: the request's totals over all its batches so far.
struct BackfillTaken {
  BackfillRequest request;
  std::int64_t windows = 0;  // the due windows planned: windows_total
  std::int64_t created = 0;  // records inserted (trigger backfill)
  std::int64_t reset = 0;    // records set back to PENDING per `reprocess`
  std::int64_t running = 0;  // IN_PROGRESS records left to their run
  bool planned = false;      // the whole range is planned (or the request was refused)
};

// One batch of a request's range: the records of its due windows whose start lies in
// [from, until), at most the planner's batch size. `until` is the start of the first window
// left for the next batch, or the request's end when the rest of the range is done or not
// due yet (windows not due are the schedule's).
struct BackfillBatch {
  std::vector<NewRecord> records;
  Instant until;
};

// How a processor turns a request into windows; both run inside the request's transaction.
struct BackfillPlanner {
  // Before the first batch: an Error refuses the request (it becomes FAILED with the
  // message), e.g. a range with more windows than scheduler.backfill_max_windows.
  std::function<Result<void>(const BackfillRequest&)> check;
  // The batch starting at `from` (the request's from_time, then each batch's `until`).
  std::function<Result<BackfillBatch>(const BackfillRequest&, Instant from)> batch;
};

struct BackfillCancel {
  enum class Outcome { cancelled, not_found, ended };
  Outcome outcome = Outcome::cancelled;
  std::string status;          // the request's before the cancel (ended: its final one)
  std::int64_t withdrawn = 0;  // queued windows deleted
  std::int64_t running = 0;    // IN_PROGRESS windows of its range, left to their run
};

class Backfills {
 public:
  Backfills(pqxx::connection& connection, std::string holder);

  // The request and its audit_log row (`audit`, with the request's id added), together.
  Result<std::int64_t> insert(const NewBackfillRequest& request, const AuditEntry& audit);
  Result<std::optional<BackfillRequest>> find(std::int64_t id);
  // Newest first; open ones only when `open_only`.
  Result<std::vector<BackfillRequest>> list(std::optional<PipelineId> pipeline, bool open_only,
                                            int limit);

  // Takes the oldest PENDING request of `pipelines` nobody else holds and plans one batch of
  // it in one transaction: creates the batch's missing windows (ON CONFLICT DO NOTHING: never
  // a second record) and resets the ones `reprocess` names, each with an `operator` event,
  // then records how far it got (planned_until). The request stays PENDING until its last
  // batch, then becomes RUNNING (DONE at once for an empty range); a dry run is counted
  // batch by batch in this one transaction, writes no record and ends DONE. A crash loses at
  // most the batch in flight: the request resumes at planned_until. nullopt: nothing to take.
  // A request whose windows the database refuses (anything but a lost connection) is FAILED
  // with the refusal.
  Result<std::optional<BackfillTaken>> take(std::span<const std::string> pipelines,
                                            const BackfillPlanner& planner);

  // The window starts and statuses of a pipeline's records in [from, to), oldest first, at
  // most `limit`: a caller reads a range page by page (the next `from` is the last start + 1s)
  // and holds one page whatever the range holds.
  struct RecordStatus {
    Instant window_start;
    Status status = Status::pending;
  };
  Result<std::vector<RecordStatus>> statuses(const PipelineId& pipeline, Instant from, Instant to,
                                             int limit);

  // Reads the range's records into windows_done; a RUNNING request whose windows are all
  // finished becomes DONE, or FAILED naming how many windows failed. Returns how many
  // requests finished.
  Result<std::int64_t> update_progress();
  // The same for the RUNNING requests of `pipeline` whose range holds the window starting at
  // `window_start`: called when that window ends, so the request's last window settles it
  // even when no processor passes again (its daemon drained right after).
  Result<std::int64_t> settle_window(const PipelineId& pipeline, Instant window_start);
  // settle_window for several windows that ended, in one statement. Without `progress`, only
  // the requests none of whose windows is left PENDING or IN_PROGRESS are read (the ones these
  // windows may have finished): reading a request's range costs as much as the range is long,
  // so a caller ending many windows refreshes windows_done now and then, not at each window.
  Result<std::int64_t> settle_windows(std::span<const Record> windows, bool progress);

  Result<BackfillProgress> progress(std::int64_t id);

  // Ends an open request (PENDING, RUNNING) as CANCELLED, in one transaction with its audit
  // row: no processor plans another batch of it, and the windows it queued that no run has
  // taken yet (PENDING, trigger backfill, in the part of its range it planned) are withdrawn:
  // deleted with their events, as `clear` does, so the range is left as the request found
  // it, less the windows that ran meanwhile. A running window stays with its run. Waits for
  // a processor planning a batch of it (the row lock), so no batch lands after the cancel.
  Result<BackfillCancel> cancel(std::int64_t id, const AuditEntry& audit);

 private:
  Result<std::int64_t> update_progress_where(const std::string& only, const SqlParams& params);
  // take() in one transaction; `seen` is the request it worked on, if it got that far.
  Result<std::optional<BackfillTaken>> take_one(std::span<const std::string> pipelines,
                                                const BackfillPlanner& planner,
                                                std::optional<BackfillRequest>& seen);

  pqxx::connection& connection_;
  std::string holder_;
};

}  // namespace sluice::store
