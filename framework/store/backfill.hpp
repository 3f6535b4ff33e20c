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
};

struct NewBackfillRequest {
  PipelineId pipeline;
  Instant from, to;
  Reprocess reprocess = Reprocess::missing;
  std::string requested_by;
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

// What a processor did with the request it took.
struct BackfillTaken {
  BackfillRequest request;
  std::int64_t windows = 0;  // the due windows of the range: windows_total
  std::int64_t created = 0;  // records inserted (trigger backfill)
  std::int64_t reset = 0;    // records set back to PENDING per `reprocess`
  std::int64_t running = 0;  // IN_PROGRESS records left to their run
};

// Given a request, the records its range should have (trigger backfill, business fields
// rendered); the processor inserts the missing ones. An Error fails the request with it.
using PlanRecords = std::function<Result<std::vector<NewRecord>>(const BackfillRequest&)>;

class Backfills {
 public:
  Backfills(pqxx::connection& connection, std::string holder);

  Result<std::int64_t> insert(const NewBackfillRequest& request);
  Result<std::optional<BackfillRequest>> find(std::int64_t id);
  // Newest first; open ones only when `open_only`.
  Result<std::vector<BackfillRequest>> list(std::optional<PipelineId> pipeline, bool open_only,
                                            int limit);

  // Takes the oldest PENDING request of `pipelines` nobody else holds and, in the same
  // transaction, creates the missing windows (ON CONFLICT DO NOTHING: never a second record)
  // and resets the ones `reprocess` names, each with an `operator` event; the request
  // becomes RUNNING (DONE at once for a dry run or an empty range). A crash before the
  // commit leaves the request PENDING and nothing half-made. nullopt: nothing to take. A
  // request whose windows the database refuses (anything but a lost connection) is FAILED
  // with the refusal.
  Result<std::optional<BackfillTaken>> take(std::span<const std::string> pipelines,
                                            const PlanRecords& plan);

  // Reads the range's records into windows_done; a RUNNING request whose windows are all
  // finished becomes DONE, or FAILED naming how many windows failed. Returns how many
  // requests finished.
  Result<std::int64_t> update_progress();

  Result<BackfillProgress> progress(std::int64_t id);

 private:
  // take() in one transaction; `seen` is the request it worked on, if it got that far.
  Result<std::optional<BackfillTaken>> take_one(std::span<const std::string> pipelines,
                                                const PlanRecords& plan,
                                                std::optional<BackfillRequest>& seen);

  pqxx::connection& connection_;
  std::string holder_;
};

}  // namespace sluice::store
