#pragma once
// pipeline_records through the life cycle of DESIGN.md: generation, the claim, fenced task
// writes and stale-lock cleanup. Every status change names a Move from transitions.hpp;
// every write after a claim carries `id AND dag_run_id AND pipeline_status = 'IN_PROGRESS'`
// and reports a lost lock as `false`, after which the worker writes nothing more.
// One round trip per call: a task's columns and its pipeline_events row go in one statement.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <date/date.h>
#include <nlohmann/json.hpp>
#include <pqxx/connection>
#include <pqxx/transaction_base>

#include "framework/core/error.hpp"
#include "framework/core/ids.hpp"
#include "framework/core/window.hpp"
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
};

// How many windows of a pipeline may run at once, live and backfill apart.
struct ClaimLimit {
  PipelineId pipeline;
  int live = 1;
  int backfill = 1;
};

enum class Task { store_and_validate, pre_validation, source_to_stage, stage_to_target, audit };
std::string_view to_string(Task t);  // the pipeline_events.task value

// A task's own *_status column (source_to_stage_ingestion_status, audit_status, ...).
enum class TaskStatus { success, skipped, failed, released };
std::string_view to_string(TaskStatus s);  // SUCCESS, SKIPPED, FAILED, RELEASED

// What became of a task: pipeline_events.outcome.
enum class Outcome { success, skipped, not_stable, retry, failed, released };
// SUCCESS, SKIPPED, NOT_STABLE, RETRY, FAILED, RELEASED
std::string_view to_string(Outcome o);

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

class Records {
 public:
  // `holder` is host:pid, written as locked_by and on events.
  Records(pqxx::connection& connection, std::string holder);

  pqxx::connection& connection() const { return connection_; }

  // ON CONFLICT (pipeline_id, window_start_time) DO NOTHING, one statement for the batch.
  // Returns how many records were new.
  Result<std::int64_t> insert_pending(std::span<const NewRecord> records);

  // The end of the newest window the schedule recorded for the pipeline: where generation
  // resumes. Backfill windows do not count: a backfill ahead of the schedule must not make it
  // skip the windows in between (they are inserted ON CONFLICT DO NOTHING, so none doubles).
  Result<std::optional<Instant>> last_window_end(const PipelineId& pipeline);

  // The oldest claimable window among `limits`' pipelines, or nullopt.
  Result<std::optional<Record>> claim(std::span<const ClaimLimit> limits);

  // Fenced. false: the lock was lost and nothing was written.
  Result<bool> write_task(const Record& record, const TaskWrite& write);
  Result<bool> heartbeat(const Record& record);

  // Frees IN_PROGRESS records whose lease (COALESCE(heartbeat_at, pipeline_locked_at)) is
  // older than their pipeline's threshold, judged by the database clock and re-checked in
  // the UPDATE itself: PENDING with the attempt counted, or FAILED when retries are used up.
  // Records of pipelines not in `limits` use `fallback`.
  Result<CleanupReport> expire_stale_locks(std::span<const StaleLimit> limits,
                                           const StaleLimit& fallback);

  Result<std::optional<Record>> find(RecordId id);

 private:
  pqxx::connection& connection_;
  std::string holder_;
};

// Records::insert_pending inside the caller's transaction (backfill creates windows in its own).
std::int64_t insert_pending_in(pqxx::transaction_base& tx, std::span<const NewRecord> records);

// A statement as Records sends it: prepared under `name`, with text parameters $1, $2, ...
// (nullopt is NULL). Public so that benchmarks replay exactly these through pgbench.
struct Statement {
  std::string name;
  std::string sql;
  std::vector<std::optional<std::string>> params;
};
Statement claim_statement(std::span<const ClaimLimit> limits, std::string_view holder);
// Throws std::logic_error for a move that is not the lock holder's to make.
Statement write_task_statement(const Record& record, const TaskWrite& write,
                               std::string_view holder);

// `{"a","b"}`: a PostgreSQL array literal, for passing lists as one text parameter.
std::string array_literal(std::span<const std::string> values);

// PENDING records of `pipelines`: the daemon's backlog gauge.
Result<std::int64_t> count_pending(pqxx::connection& connection,
                                   std::span<const std::string> pipelines);

}  // namespace sluice::store
