// A SQL pipeline (`kind: sql`) on PostgreSQL through the real chain, from the YAML an operator
// writes to the rows of its table: each window SUCCESS with exactly its rows, source->stage
// SKIPPED, the audit against `sql.count` or the rows inserted, pre-validation skipping a
// window `sql.count` finds loaded, and the integrity failures that keep nothing.
#include <catch2/catch.hpp>

#include "tests/support/chain_fixture.hpp"
#include "tests/support/files.hpp"

using namespace sluice;

namespace {

using test::kNow;

const std::string kInsert =
    "    INSERT INTO int_orders\n"
    "    SELECT id, event_time, upper(note), amount FROM src\n"
    "    WHERE event_time >= :window_start AND event_time < :window_end AND amount > 0\n";

// The rows int_orders should hold for the three windows.
const std::string kExpected =
    "SELECT id, event_time, upper(note), amount FROM src WHERE amount > 0 AND event_time < "
    "'2024-01-01T03:00:00Z'";

struct Setup {
  test::ChainFixture f;
  test::TempDir dir;

  Setup() {
    f.seed_source(4, 10);
    f.exec(
        "CREATE TABLE int_orders (id bigint, event_time timestamptz NOT NULL, note text, "
        "amount numeric(12,2))");
  }

  // `sql` is the pipeline's sql section after `insert`; `extra`, more top-level keys.
  std::shared_ptr<const tasks::PipelineRuntime> pipeline(const std::string& insert,
                                                         const std::string& sql = "",
                                                         const std::string& extra = "") {
    return f.runtime_from_yaml(
        dir.path(), "int_orders.yaml",
        "id: int_orders\nkind: sql\ntarget:\n  connection: warehouse\n  table: int_orders\n  "
        "time_column: event_time\nsql:\n  insert: |\n" +
            insert + sql +
            "window:\n  granularity: 1h\n  start_date: 2024-01-01\n  end_date: "
            "2024-01-01T03:00:00Z\nretries:\n  max: 0\n" +
            extra);
  }

  std::int64_t difference() const { return f.difference(kExpected, "int_orders"); }
  std::string errors() const { return f.error_messages(); }
  void forget_records() const { f.forget_records(); }
};

}  // namespace

TEST_CASE("a SQL pipeline on PostgreSQL loads each window with exactly its rows",
          "[integration][chain][sql]") {
  Setup s;
  // A stale row in the first window, which the load replaces.
  s.f.exec("INSERT INTO int_orders VALUES (999, '2024-01-01T00:30:00Z', 'stale', 1)");
  const auto summary = test::run_until_settled(s.f, s.pipeline(kInsert), kNow);
  INFO(s.errors());
  CHECK(summary.success == 3);
  CHECK(s.difference() == 0);
  // Without sql.count the audit compares the rows inserted (kept as source_count).
  CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                  "audit_result = 'PASS' AND source_count = 9 AND target_count = 9 AND "
                  "source_to_stage_ingestion_status = 'SKIPPED' AND phase_completed = 'AUDIT' AND "
                  "source_name = 'warehouse'") == 3);
  CHECK(s.f.count("SELECT count(*) FROM pipeline_events WHERE task = 'source_to_stage' AND "
                  "outcome = 'SKIPPED' AND message = 'SQL pipeline: no source and no stage'") == 3);

  SECTION("a rerun without sql.count runs every window again, to the same rows") {
    s.forget_records();
    const auto again = test::run_until_settled(s.f, s.pipeline(kInsert), kNow);
    CHECK(again.success == 3);
    CHECK(s.difference() == 0);
  }
  SECTION("with sql.count, a rerun finds each window loaded and skips it") {
    s.forget_records();
    const auto again = test::run_until_settled(
        s.f,
        s.pipeline(kInsert,
                   "  count: SELECT count(*) FROM src WHERE event_time >= :window_start AND "
                   "event_time < :window_end AND amount > 0\n"),
        kNow);
    CHECK(again.skipped == 3);
    CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SKIPPED' AND "
                    "source_count = 9 AND target_count = 9") == 3);
    CHECK(s.difference() == 0);
  }
}

TEST_CASE("a SQL pipeline's integrity failures keep nothing and are not retried",
          "[integration][chain][sql]") {
  Setup s;
  s.f.exec("INSERT INTO int_orders VALUES (999, '2024-01-01T00:30:00Z', 'before', 1)");
  SECTION("sql.count disagrees with what the insert loaded: the audit fails") {
    const auto summary = test::run_until_settled(
        s.f,
        s.pipeline(kInsert,
                   "  count: SELECT count(*) FROM src WHERE event_time >= :window_start AND "
                   "event_time < :window_end\n"),
        kNow);
    CHECK(summary.failed == 3);
    CHECK(summary.retries == 0);
    CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE audit_result = 'FAIL' AND "
                    "source_count = 10 AND target_count = 9 AND error_message LIKE "
                    "'integrity: audit failed%'") == 3);
  }
  SECTION("rows inserted outside the window: the window is rolled back") {
    const auto summary = test::run_until_settled(
        s.f,
        s.pipeline("    INSERT INTO int_orders SELECT id, event_time, note, amount FROM src\n"
                   "    WHERE event_time >= :window_start AND event_time <= :window_end\n"),
        kNow);
    CHECK(summary.failed == 3);
    CHECK(summary.retries == 0);
    INFO(s.errors());
    CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE error_message LIKE "
                    "'integrity: the insert wrote 11 rows but int_orders holds 10%'") == 3);
    // The row that was there before is still there, alone.
    CHECK(s.f.count("SELECT count(*) FROM int_orders") == 1);
    CHECK(s.f.count("SELECT count(*) FROM int_orders WHERE note = 'before'") == 1);
  }
}
