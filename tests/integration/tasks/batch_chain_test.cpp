// A worker claiming several windows per claim and writing several empty windows' ends per
// statement, on a real PostgreSQL (tasks/window_batch.hpp): fewer statements than windows,
// each window claimed and ended once with its own run ID, windows with data loaded exactly
// once as before, and a connection lost while the ends are written leaves those windows
// claimed under their run IDs for run_worker to release and run again, none ended twice.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "framework/store/records.hpp"
#include "tasks/lease_keeper.hpp"
#include "tasks/runner.hpp"
#include "tests/support/chain_fixture.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

// store::Records that counts its claims and batched writes, and can lose its connection (its
// backend terminated from another session) just before a batched write.
class CountingRecords final : public store::Records {
 public:
  CountingRecords(store::Connection& c, const test::ChainFixture& f)
      : store::Records(c, "worker:1"), connection_(c), f_(f) {}

  Result<std::vector<store::Record>> claim_windows(const store::ClaimLimitSet& limits,
                                                   int max) override {
    auto r = store::Records::claim_windows(limits, max);
    if (r && !r->empty()) {
      ++claims;
      largest = std::max(largest, r->size());
    }
    return r;
  }
  Result<std::vector<bool>> write_tasks(std::span<const store::Record> records,
                                        std::span<const store::TaskWrite> writes) override {
    ++batched_writes;
    if (lose_connection_at_write == batched_writes)
      f_.exec(fmt::format("SELECT pg_terminate_backend({})", connection_.backendpid()));
    return store::Records::write_tasks(records, writes);
  }

  int claims = 0;
  std::size_t largest = 0;
  int batched_writes = 0;
  int lose_connection_at_write = 0;

 private:
  store::Connection& connection_;
  const test::ChainFixture& f_;
};

// Backfill records for the first `hours` hourly windows of the fixture.
void backfill_windows(const test::ChainFixture& f, int hours) {
  f.exec(fmt::format(R"(
    INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
        time_interval, trigger, business_fields)
    SELECT 'orders', t::date, t, t + interval '1 hour', '1h', 'backfill',
           jsonb_build_object('path', 'orders/' || to_char(t AT TIME ZONE 'UTC', 'YYYY/MM/DD/HH24'))
      FROM generate_series('2024-01-01T00:00Z'::timestamptz,
                           '2024-01-01T00:00Z'::timestamptz + ({} - 1) * interval '1 hour',
                           interval '1 hour') AS t)",
                     hours));
}

// Each record ended once: one claim event per run, one end per record.
void check_each_ended_once(const test::ChainFixture& f, int windows) {
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status NOT IN "
                "('SUCCESS', 'SKIPPED')") == 0);
  CHECK(f.count("SELECT count(*) FROM (SELECT record_id FROM pipeline_events WHERE to_status IN "
                "('SUCCESS', 'SKIPPED') GROUP BY record_id HAVING count(*) = 1) s") == windows);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE to_status IN ('SUCCESS', "
                "'SKIPPED')") == windows);
  CHECK(f.count("SELECT count(DISTINCT dag_run_id) FROM pipeline_events WHERE task = 'claim'") ==
        f.count("SELECT count(*) FROM pipeline_events WHERE task = 'claim'"));
  // Every end was written under the run ID of its window's last claim.
  CHECK(f.count("SELECT count(*) FROM pipeline_events e JOIN pipeline_records r ON r.id = "
                "e.record_id WHERE e.to_status IN ('SUCCESS', 'SKIPPED') AND e.dag_run_id <> "
                "r.dag_run_id") == 0);
}

}  // namespace

TEST_CASE(
    "a backlog of empty windows is claimed and ended in batches, windows with data load "
    "once each",
    "[integration][tasks][batch][threads]") {
  test::ChainFixture f;
  auto p = f.pipeline(24 * 30);
  p->max_active_backfill = 8;
  // Hours 20 and 21 have rows: they load, the other 38 are empty.
  f.exec(
      "INSERT INTO src (id, event_time, note, amount) SELECT i, '2024-01-01T20:00Z'::timestamptz "
      "+ i * interval '1 minute', 'x', i FROM generate_series(0, 119) i");
  backfill_windows(f, 40);
  auto c = f.db().connect();
  CountingRecords records(*c, f);
  tasks::LeaseKeeper leases(f.db().url(), "worker:1", 1s);
  const tasks::WorkerSource source{[&] { return tasks::claimable({p}); }, [] { return true; }};
  const auto end = tasks::claim_and_run(records, leases, source);
  CHECK_FALSE(end.store_error);
  CHECK(end.summary.skipped == 38);
  CHECK(end.summary.success == 2);
  CHECK(end.summary.rows == 120);
  CHECK(f.source_target_difference() == 0);
  CHECK(records.largest == 8);  // the backfill limit
  CHECK(records.claims < 20);   // not one per window
  CHECK(records.batched_writes < 20);
  check_each_ended_once(f, 40);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task = 'pre_validation' AND "
                "to_status = 'SKIPPED'") == 38);
  CHECK(leases.running() == 0);
}

TEST_CASE(
    "a connection lost while a batch's ends are written leaves those windows claimed, "
    "released and run again, each ended once",
    "[integration][tasks][batch][threads]") {
  test::ChainFixture f;
  auto p = f.pipeline(24 * 30);
  p->max_active_backfill = 4;
  backfill_windows(f, 16);
  std::unique_ptr<store::Connection> first = f.db().connect();
  auto counting = std::make_unique<CountingRecords>(*first, f);
  counting->lose_connection_at_write = 3;  // the third batch: 1, 2, then 4 windows
  tasks::LeaseKeeper leases(f.db().url(), "worker:1", 1s);
  const tasks::WorkerSource source{[&] { return tasks::claimable({p}); }, [] { return true; }};

  SECTION("claim_and_run: the batch is left IN_PROGRESS under its run IDs") {
    const auto end = tasks::claim_and_run(*counting, leases, source);
    REQUIRE(end.store_error);
    CHECK(end.store_error->connection_lost);
    REQUIRE(end.unfinished.size() == 4);
    CHECK(end.summary.skipped == 3);
    for (const auto& r : end.unfinished)
      CHECK(f.count(fmt::format("SELECT count(*) FROM pipeline_records WHERE id = {} AND "
                                "pipeline_status = 'IN_PROGRESS' AND dag_run_id = '{}'",
                                r.id.value, r.run.value)) == 1);
    CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task = 'pre_validation'") == 3);
    CHECK(leases.running() == 0);
  }
  SECTION("run_worker: released on a fresh connection, then run to the end") {
    std::unique_ptr<store::RecordStore> records = std::move(counting);
    const auto open = [&]() -> Result<std::unique_ptr<store::RecordStore>> {
      return store::open_records(f.db().url(), {"test", 5}, "worker:1");
    };
    const auto end = tasks::run_worker(records, open, leases, source);
    CHECK_FALSE(end.store_error);
    CHECK(end.unfinished.empty());
    CHECK(end.summary.skipped == 16);
    check_each_ended_once(f, 16);
    CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE outcome = 'RELEASED'") == 4);
    CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE retry_attempt > 0") == 0);
  }
}

TEST_CASE(
    "a window whose end the database refuses is left to the stale-lock cleanup, the other "
    "ends of its batch are written, and the orphan release leaves it alone",
    "[integration][tasks][batch][threads]") {
  test::ChainFixture f;
  auto p = f.pipeline(24 * 30);
  p->max_active_backfill = 8;
  backfill_windows(f, 8);
  // Hour 2's end is refused (a check an operator added, say), whatever statement writes it.
  f.exec(R"(
    CREATE FUNCTION refuse_hour_2() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.pipeline_status = 'SKIPPED' AND NEW.window_start_time = '2024-01-01T02:00Z' THEN
        RAISE EXCEPTION 'hour 2 may not end';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER refuse_hour_2 BEFORE UPDATE ON pipeline_records
      FOR EACH ROW EXECUTE FUNCTION refuse_hour_2())");
  auto c = f.db().connect();
  CountingRecords records(*c, f);
  tasks::LeaseKeeper leases(f.db().url(), "worker:1", 1s);
  const tasks::WorkerSource source{[&] { return tasks::claimable({p}); }, [] { return true; }};
  const auto end = tasks::claim_and_run(records, leases, source);
  // Claims of 1 (hour 0) and 2 (hours 1 and 2): the second batch's write is refused, then
  // written one window at a time; the worker stops at the refusal.
  CHECK_FALSE(end.store_error);
  CHECK(end.summary.skipped == 2);
  CHECK(end.summary.store_errors == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SKIPPED' AND "
                "window_start_time < '2024-01-01T02:00Z'") == 2);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'IN_PROGRESS' "
                "AND window_start_time = '2024-01-01T02:00Z' AND locked_by = 'worker:1'") == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING'") == 5);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task = 'pre_validation'") == 2);
  // Left, not forgotten: the stale-lock cleanup frees it with its attempt counted.
  auto stuck = store::Records(*c, "worker:1").own_unrenewed_locks(0ms);
  REQUIRE(stuck);
  REQUIRE(stuck->size() == 1);
  CHECK(leases.accounts_for(stuck->front()));
  CHECK(leases.running() == 0);
}
