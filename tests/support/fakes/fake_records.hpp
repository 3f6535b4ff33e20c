#pragma once
// An in-process fake of store::RecordStore: pipeline_records and pipeline_events in memory,
// under the rules store::Records keeps in SQL. Every status change is a Move found in the
// transition table (store::find_transition); every write after a claim is fenced by id, run
// ID and IN_PROGRESS; the claim takes the oldest PENDING window whose next_attempt_at has
// come, live before backfill, within each pipeline's max_active limits; stale locks are
// judged against heartbeat_at. "The database clock" is a clock the test sets and advances.
// Failures of the store itself are planned per call ("insert_pending", "last_window_end",
// "insert_pending_each", "last_window_ends", "claim", "write_task", "heartbeat",
// "expire_stale_locks", "own_unrenewed_locks", "find", "settle_backfill", "connect"), or
// decided per write by refuse_write.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "framework/store/record_store.hpp"
#include "tests/support/fakes/failure_script.hpp"

namespace sluice::test {

class FakeRecords final : public store::RecordStore {
 public:
  // A record's columns beyond store::Record that the tests look at.
  struct Row {
    store::Record record;
    std::optional<Instant> next_attempt_at;
    std::optional<Instant> heartbeat_at;
    std::optional<Instant> pipeline_start_time;  // the first claim
    std::optional<std::int64_t> stage_count, count_difference;
    std::optional<double> percentage_difference;
    std::optional<std::string> audit_result;
    std::string error_message;
    std::string pool;  // what the last claim took: pool (empty: none) and slots
    int pool_slots = 0;
  };
  // One pipeline_events row.
  struct Event {
    RecordId record;
    RunId run;
    std::string task;  // claim, pre_validation, ..., stale_lock_cleanup
    store::Status from = store::Status::in_progress;
    store::Status to = store::Status::in_progress;
    std::string outcome;
    std::string message;
  };

  explicit FakeRecords(Instant now, std::string holder = "fake-host:1");

  Instant now() const;
  void advance(std::chrono::seconds by);

  // A PENDING record, as generation or a backfill would insert it.
  RecordId add(const PipelineId& pipeline, Window window, Trigger trigger = Trigger::scheduled);
  // The last task completed, as a retry left it.
  void set_phase(RecordId id, store::Phase phase);
  // An operator's rerun (optionally forced): PENDING again, no phase, no counts.
  void rerun(RecordId id, bool force = false);
  // Another worker's claim: a new run ID on the record, so the holder's fence fails.
  void take_over(RecordId id);

  Row row(RecordId id) const;
  std::vector<Row> rows() const;
  std::vector<Event> events() const;
  // The tasks of a run's events, in order.
  std::vector<std::string> tasks_of(const RunId& run) const;
  // The records settle_backfill was called for.
  std::vector<RecordId> settled() const;

  FailureScript& script() { return script_; }
  // Asked before every task write: an error refuses that write (nothing changes).
  using RefuseWrite =
      std::function<std::optional<Error>(const store::Record&, const store::TaskWrite&)>;
  void refuse_write(RefuseWrite refuse);

  // Another connection to this fake database, for a part that opens its own store (the
  // lease keeper, run_worker). Fails when a "connect" failure is planned.
  Result<std::unique_ptr<store::RecordStore>> connect();

  Result<std::int64_t> insert_pending(std::span<const store::NewRecord> records) override;
  Result<std::optional<Instant>> last_window_end(const PipelineId& pipeline) override;
  // One call each, whatever the number of pipelines ("last_window_ends",
  // "insert_pending_each"), as store::Records makes one statement of each.
  Result<std::vector<std::optional<Instant>>> last_window_ends(
      std::span<const PipelineId> pipelines) override;
  Result<std::vector<std::pair<PipelineId, std::int64_t>>> insert_pending_each(
      std::span<const store::NewRecord> records) override;
  Result<std::optional<store::Record>> claim(const store::ClaimLimitSet& limits) override;
  // Claims as claim() does, then more windows of the first one's pipeline and kind, up to
  // `max`, within its limit and pool (not stopping, as the real claim does, before another
  // pipeline's window of the same pool).
  Result<std::vector<store::Record>> claim_windows(const store::ClaimLimitSet& limits,
                                                   int max) override;
  Result<bool> write_task(const store::Record& record, const store::TaskWrite& write) override;
  Result<bool> heartbeat(const store::Record& record) override;
  Result<store::CleanupReport> expire_stale_locks(std::span<const store::StaleLimit> limits,
                                                  const store::StaleLimit& fallback) override;
  Result<std::vector<store::Record>> own_unrenewed_locks(
      std::chrono::milliseconds older_than) override;
  Result<std::optional<store::Record>> find(RecordId id) override;
  Result<std::int64_t> settle_backfill(const store::Record& record) override;

 private:
  bool insert(const store::NewRecord& record);
  std::optional<store::Record> claim_one(std::span<const store::ClaimLimit> limits);
  // The row a fenced write may change: same id, same run ID, IN_PROGRESS.
  Row* locked(const store::Record& record);
  RunId next_run(Trigger trigger);

  // Recursive: a refuse_write hook may look at the rows.
  mutable std::recursive_mutex mutex_;
  Instant now_;
  std::string holder_;
  std::map<std::int64_t, Row> rows_;
  std::vector<Event> events_;
  std::vector<RecordId> settled_;
  std::int64_t next_id_ = 1;
  int claims_ = 0;
  RefuseWrite refuse_write_;
  FailureScript script_;
};

}  // namespace sluice::test
