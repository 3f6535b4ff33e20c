#pragma once
// What a record is, and what the chain, the runner, the lease keeper and the scheduling
// duties may do with the records: the seam between them and PostgreSQL. store::Records is
// the one implementation that ships (records.hpp); tests hand the same code an in-memory
// fake. Whatever implements it keeps the rules of records.hpp: every status change is a
// Move of transitions.hpp, and every write after a claim is fenced by the run ID.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <date/date.h>
#include <nlohmann/json.hpp>

#include "framework/core/error.hpp"
#include "framework/core/ids.hpp"
#include "framework/core/window.hpp"
#include "framework/store/claim_limits.hpp"
#include "framework/store/transitions.hpp"

namespace sluice::store {

struct NewRecord {
  PipelineId pipeline;
  Window window;
  date::year_month_day target_day;
  std::string time_interval;  // the granularity as written: `2h`
  Trigger trigger = Trigger::scheduled;
  std::string source_name;
  std::string target_name;
  nlohmann::json business_fields = nlohmann::json::object();
  // Set by the claim: how long the record was claimable (made, or its next_attempt_at
  // passed) before this claim took it. The claim latency metric.
  double claim_wait_seconds = 0;
};

struct Record {
  RecordId id;
  PipelineId pipeline;
  Window window;
  std::string target_day;  // YYYY-MM-DD
  std::string time_interval;
  Trigger trigger = Trigger::scheduled;
  RunId run;
  Status status = Status::pending;
  Phase phase = Phase::none;
  int retry_attempt = 0;
  std::string locked_by;
  std::optional<std::int64_t> source_count;
  std::optional<std::int64_t> target_count;
  nlohmann::json business_fields = nlohmann::json::object();
  // Set by the claim: how long the record was claimable (made, or its next_attempt_at
  // passed) before this claim took it. The claim latency metric.
  double claim_wait_seconds = 0;
  // Set by the claim: the time since the window's first claim (pipeline_start_time, which a
  // rerun clears), by the database clock. run_if's give_up_after counts from there.
  std::chrono::seconds since_first_claim{0};
  // rerun/backfill --force: reload even when pre-validation finds equal counts.
  bool force_reload = false;
};

enum class Task { store_and_validate, pre_validation, source_to_stage, stage_to_target, audit };
std::string_view to_string(Task t);  // the pipeline_events.task value

// A task's own *_status column (source_to_stage_ingestion_status, audit_status, ...).
enum class TaskStatus { success, skipped, failed, released };
std::string_view to_string(TaskStatus s);  // SUCCESS, SKIPPED, FAILED, RELEASED

// What became of a task: pipeline_events.outcome.
// `waiting`: run_if was false and the window waits for it (released, no attempt counted).
enum class Outcome { success, skipped, not_stable, retry, failed, released, waiting };
// SUCCESS, SKIPPED, NOT_STABLE, RETRY, FAILED, RELEASED, WAITING
std::string_view to_string(Outcome o);

// One data check's outcome (`checks:` of the pipeline), a row of window_checks.
struct CheckResult {
  std::string name;
  std::string kind;      // not_null, unique, sum_match, sql
  std::string severity;  // error, warn
  bool passed = true;
  std::optional<std::string> observed;  // a number as text (window_checks.observed)
  std::string message;
};

// One task's outcome as written by the holder of the lock.
struct TaskWrite {
  Task task = Task::pre_validation;
  TaskStatus status = TaskStatus::success;
  Outcome outcome = Outcome::success;
  std::chrono::microseconds elapsed{0};  // start = database clock at the write - elapsed
  std::optional<Phase> phase_completed;
  std::optional<std::int64_t> source_count, target_count, stage_count, stage_bytes;
  std::optional<std::int64_t> count_difference;
  std::optional<double> percentage_difference;
  std::optional<std::string> audit_result;
  std::optional<std::int64_t> rows;
  // A status change in the same statement (skip, succeed, fail, retry, release).
  std::optional<Move> move;
  std::optional<std::chrono::seconds> retry_delay;  // with Move::retry: next_attempt_at
  std::string message;                              // error_message and the event's message
  std::optional<int> config_version;  // the definition the run uses (pipeline_definitions)
  // The audit's: the data checks run after the counts passed, written in the same statement.
  std::vector<CheckResult> checks;
};

struct StaleLimit {
  PipelineId pipeline;
  std::chrono::seconds threshold{7200};
  int max_retries = 3;
};

struct CleanupReport {
  std::int64_t returned_to_pending = 0;
  std::int64_t failed = 0;
};

class RecordStore {
 public:
  virtual ~RecordStore() = default;

  // Inserts the records whose (pipeline, window start) is not recorded yet, one statement
  // for the batch. Returns how many records were new.
  virtual Result<std::int64_t> insert_pending(std::span<const NewRecord> records) = 0;

  // The end of the newest window the schedule recorded for the pipeline: where generation
  // resumes. Backfill windows do not count: a backfill ahead of the schedule must not make it
  // skip the windows in between (they are inserted ON CONFLICT DO NOTHING, so none doubles).
  virtual Result<std::optional<Instant>> last_window_end(const PipelineId& pipeline) = 0;

  // Generation of many pipelines at once (a cron tick of thousands): last_window_end of each
  // pipeline, in the order given, and insert_pending for the records of several pipelines
  // with how many were new for each (pipelines with none new are left out). Records does
  // each in one statement; these defaults take one pipeline at a time.
  virtual Result<std::vector<std::optional<Instant>>> last_window_ends(
      std::span<const PipelineId> pipelines) {
    std::vector<std::optional<Instant>> ends;
    ends.reserve(pipelines.size());
    for (const auto& p : pipelines) {
      auto end = last_window_end(p);
      if (!end) return fail(end.error());
      ends.push_back(*end);
    }
    return ends;
  }
  virtual Result<std::vector<std::pair<PipelineId, std::int64_t>>> insert_pending_each(
      std::span<const NewRecord> records) {
    std::vector<std::pair<PipelineId, std::int64_t>> counts;
    for (std::size_t i = 0, j = 0; i < records.size(); i = j) {
      while (j < records.size() && records[j].pipeline == records[i].pipeline) ++j;
      auto made = insert_pending(records.subspan(i, j - i));
      if (!made) return fail(made.error());
      if (*made > 0) counts.emplace_back(records[i].pipeline, *made);
    }
    return counts;
  }

  // The oldest claimable window among `limits`' pipelines, or nullopt.
  virtual Result<std::optional<Record>> claim(const ClaimLimitSet& limits) = 0;
  // Up to `max` windows in one claim: the oldest claimable ones of the pipeline the single
  // claim would pick, of that kind (live or backfill), as many as its limit and its pool leave
  // room for; each with its own run ID. None: nothing claimable. This default claims one.
  // store::Records commits a claim without waiting for its WAL flush: until a synchronous
  // commit on the server flushes it, a server crash may undo it, and then every write of its
  // run finds its fence closed. A run does nothing outside the database that a lost claim
  // must not have done before a write of its own has committed synchronously, which flushes
  // the claim first: pre-validation only reads; an empty window's end is itself unflushed
  // (write_tasks); and a run that would load before any write of its own (one resumed at
  // stage->target) renews its lease first (tasks/chain.cpp).
  virtual Result<std::vector<Record>> claim_windows(const ClaimLimitSet& limits, int max) {
    (void)max;
    auto one = claim(limits);
    if (!one) return fail(one.error());
    if (!*one) return std::vector<Record>{};
    return std::vector<Record>{std::move(**one)};
  }

  // Fenced. false: the lock was lost and nothing was written.
  virtual Result<bool> write_task(const Record& record, const TaskWrite& write) = 0;
  // Several writes of one task (not the audit's), each fenced as write_task's: element i says
  // whether writes[i] was made (false: that record's lock was lost). store::Records makes them
  // in one statement, so an error means none was made; this default makes them one by one
  // and stops at the first error. A batch whose every write ends its window SKIPPED is
  // committed without waiting for its WAL flush: such a window loaded nothing, the next
  // synchronous commit on the server (the worker's next claim, a dependent window's claim,
  // the backfill's settle) flushes it first, and should the server crash before that, the
  // window is IN_PROGRESS again under its run ID for the stale-lock cleanup, as if the crash
  // had come a moment earlier.
  virtual Result<std::vector<bool>> write_tasks(std::span<const Record> records,
                                                std::span<const TaskWrite> writes) {
    std::vector<bool> written;
    for (std::size_t i = 0; i < records.size() && i < writes.size(); ++i) {
      auto one = write_task(records[i], writes[i]);
      if (!one) return fail(one.error());
      written.push_back(*one);
    }
    return written;
  }
  virtual Result<bool> heartbeat(const Record& record) = 0;

  // Frees IN_PROGRESS records whose lease (COALESCE(heartbeat_at, pipeline_locked_at)) is
  // older than their pipeline's threshold, judged by the database clock: PENDING with the
  // attempt counted, or FAILED when retries are used up. Records of pipelines not in
  // `limits` use `fallback`.
  virtual Result<CleanupReport> expire_stale_locks(std::span<const StaleLimit> limits,
                                                   const StaleLimit& fallback) = 0;

  // IN_PROGRESS records locked by this holder whose lease (COALESCE(heartbeat_at,
  // pipeline_locked_at)) is older than `older_than`, by the database clock: the candidates of
  // its orphan release (scheduling.hpp). Oldest lease first.
  virtual Result<std::vector<Record>> own_unrenewed_locks(std::chrono::milliseconds older_than) = 0;

  virtual Result<std::optional<Record>> find(RecordId id) = 0;

  // A backfill window ended: its request's progress, settled when it was the request's last.
  // Returns how many requests settled.
  virtual Result<std::int64_t> settle_backfill(const Record& record) = 0;
  // The same for several backfill windows that ended. Without `progress`, only the requests
  // with no window left to run are read again (settled); the others' windows_done waits for
  // a later call with it, or the processor's pass: reading a request's range costs as much as
  // the range is long. This default settles each one.
  virtual Result<std::int64_t> settle_backfills(std::span<const Record> records, bool progress) {
    (void)progress;
    std::int64_t settled = 0;
    for (const auto& record : records) {
      auto one = settle_backfill(record);
      if (!one) return fail(one.error());
      settled += *one;
    }
    return settled;
  }
};

}  // namespace sluice::store
