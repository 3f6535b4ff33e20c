#pragma once
// pipeline_records through the life cycle of DESIGN.md: generation, the claim, fenced task
// writes and stale-lock cleanup. Every status change names a Move from transitions.hpp;
// every write after a claim carries `id AND dag_run_id AND pipeline_status = 'IN_PROGRESS'`
// and reports a lost lock as `false`, after which the worker writes nothing more.
// One round trip per call: a task's columns and its pipeline_events row go in one statement.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/connection>
#include <pqxx/transaction_base>

#include "framework/core/error.hpp"
#include "framework/store/database.hpp"
#include "framework/store/record_store.hpp"

namespace sluice::store {

// The RecordStore over PostgreSQL, on a connection the caller keeps open.
class Records : public RecordStore {
 public:
  // `holder` is host:pid, written as locked_by and on events.
  Records(pqxx::connection& connection, std::string holder);

  // ON CONFLICT (pipeline_id, window_start_time) DO NOTHING.
  Result<std::int64_t> insert_pending(std::span<const NewRecord> records) override;
  Result<std::optional<Instant>> last_window_end(const PipelineId& pipeline) override;
  // One statement each: the newest window of every pipeline by an index probe (unnest +
  // LATERAL), the records of many pipelines counted per pipeline (RETURNING).
  Result<std::vector<std::optional<Instant>>> last_window_ends(
      std::span<const PipelineId> pipelines) override;
  Result<std::vector<std::pair<PipelineId, std::int64_t>>> insert_pending_each(
      std::span<const NewRecord> records) override;
  // claim_windows for one window.
  Result<std::optional<Record>> claim(const ClaimLimitSet& limits) override;
  // One call of sluice_claim_windows (sql/migrations/0017_claim_windows.sql) with the set's
  // fingerprint: the limits themselves are sent (sluice_store_claim_limits) only when the
  // database holds another set under this holder.
  Result<std::vector<Record>> claim_windows(const ClaimLimitSet& limits, int max) override;
  Result<bool> write_task(const Record& record, const TaskWrite& write) override;
  Result<std::vector<bool>> write_tasks(std::span<const Record> records,
                                        std::span<const TaskWrite> writes) override;
  Result<bool> heartbeat(const Record& record) override;
  // Re-checked in the UPDATE itself: a record finished a moment ago is left alone.
  Result<CleanupReport> expire_stale_locks(std::span<const StaleLimit> limits,
                                           const StaleLimit& fallback) override;
  Result<std::vector<Record>> own_unrenewed_locks(std::chrono::milliseconds older_than) override;
  Result<std::optional<Record>> find(RecordId id) override;
  Result<std::int64_t> settle_backfill(const Record& record) override;
  // One statement for all of them.
  Result<std::int64_t> settle_backfills(std::span<const Record> records, bool progress) override;

 private:
  pqxx::connection& connection_;
  std::string holder_;
};

// Records on a connection of their own, opened from `url`: for a part that keeps its store
// (the lease keeper) and reopens it after a lost connection.
Result<std::unique_ptr<RecordStore>> open_records(std::string_view url,
                                                  const ConnectOptions& options,
                                                  std::string holder);

// Records::insert_pending inside the caller's transaction (backfill creates windows in its own).
std::int64_t insert_pending_in(pqxx::transaction_base& tx, std::span<const NewRecord> records);

// A statement as Records sends it: prepared under `name`, with text parameters $1, $2, ...
// (nullopt is NULL). Public so that benchmarks replay exactly these through pgbench.
struct Statement {
  std::string name;
  std::string sql;
  std::vector<std::optional<std::string>> params;
};
// sluice_claim: stores `limits` under `holder` when they changed, claims one window.
Statement claim_statement(std::span<const ClaimLimit> limits, std::string_view holder);
// Stores `limits` as `holder`'s claim limits, with their fingerprint.
Statement store_claim_limits_statement(const ClaimLimitSet& limits, std::string_view holder);
// Up to `max` windows under the limits stored for `holder` with `fingerprint`; SQLSTATE SLU02
// when the stored set is another.
Statement claim_windows_statement(std::int64_t fingerprint, std::string_view holder, int max);
// Throws std::logic_error for a move that is not the lock holder's to make.
Statement write_task_statement(const Record& record, const TaskWrite& write,
                               std::string_view holder);
// Several writes of one task in one statement (Records::write_tasks). Throws
// std::logic_error for writes of different tasks, or of the audit.
Statement write_tasks_statement(std::span<const Record> records, std::span<const TaskWrite> writes,
                                std::string_view holder);

// `{"a","b"}`: a PostgreSQL array literal, for passing lists as one text parameter.
std::string array_literal(std::span<const std::string> values);

// PENDING records of `pipelines`: the daemon's backlog gauge.
Result<std::int64_t> count_pending(pqxx::connection& connection,
                                   std::span<const std::string> pipelines);

}  // namespace sluice::store
