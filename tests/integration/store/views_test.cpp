// The operator views on a small, known set of records.
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "tests/support/test_database.hpp"

using sluice::test::run_sql;
using sluice::test::TestDatabase;

namespace {

// Pipeline `orders`: two loaded windows, one failed, one pending in backoff, one running
// with a fresh lease and one whose lease is an hour old. Pipeline `billing`: registered and
// paused, no record yet.
void fill(sluice::store::Connection& c) {
  run_sql(c, R"(
    INSERT INTO pipelines (pipeline_id, paused, paused_by, paused_at, stale_threshold)
    VALUES ('orders', false, NULL, NULL, interval '30 minutes'),
           ('billing', true, 'ops', now(), NULL);
    INSERT INTO pipeline_records
        (pipeline_id, target_day, window_start_time, window_end_time, time_interval,
         pipeline_status, dag_run_id, pipeline_locked_at, heartbeat_at, next_attempt_at,
         pipeline_start_time, pipeline_end_time,
         source_to_stage_ingestion_start_time, source_to_stage_ingestion_end_time,
         retry_attempt, error_message)
    VALUES
      ('orders', '2024-01-01', '2024-01-01T00:00Z', '2024-01-01T01:00Z', '1h', 'SUCCESS',
       'r1', '2024-01-01T01:10Z', NULL, NULL, '2024-01-01T01:10Z', '2024-01-01T01:12Z',
       '2024-01-01T01:10Z', '2024-01-01T01:11Z', 0, NULL),
      ('orders', '2024-01-01', '2024-01-01T01:00Z', '2024-01-01T02:00Z', '1h', 'SUCCESS',
       'r2', '2024-01-01T02:30Z', NULL, NULL, '2024-01-01T02:30Z', '2024-01-01T02:45Z',
       NULL, NULL, 1, NULL),
      ('orders', '2024-01-01', '2024-01-01T02:00Z', '2024-01-01T03:00Z', '1h', 'FAILED',
       'r3', '2024-01-01T03:10Z', NULL, NULL, '2024-01-01T03:10Z', NULL,
       NULL, NULL, 3, 'target: permission denied for table events'),
      ('orders', '2024-01-01', '2024-01-01T03:00Z', '2024-01-01T04:00Z', '1h', 'PENDING',
       NULL, NULL, NULL, now() + interval '5 minutes', NULL, NULL, NULL, NULL, 1, NULL),
      ('orders', '2024-01-01', '2024-01-01T04:00Z', '2024-01-01T05:00Z', '1h', 'IN_PROGRESS',
       'r5', now() - interval '2 hours', now() - interval '1 hour', NULL, now(), NULL,
       NULL, NULL, 0, NULL),
      ('orders', '2024-01-01', '2024-01-01T05:00Z', '2024-01-01T06:00Z', '1h', 'IN_PROGRESS',
       'r6', now() - interval '10 minutes', now() - interval '10 minutes', NULL, now(), NULL,
       NULL, NULL, 0, NULL);
  )");
}

// A migrated database holding those records.
struct Filled {
  TestDatabase db;
  std::unique_ptr<sluice::store::Connection> c;
  Filled() {
    db.migrate();
    c = db.connect();
    fill(*c);
  }
};

}  // namespace

TEST_CASE_METHOD(Filled, "pipeline_summary counts windows by status per pipeline",
                 "[store][views]") {
  const auto rows = run_sql(*c,
                            "SELECT pipeline_id, paused, windows, pending, waiting_retry, "
                            "running, succeeded, skipped, failed, "
                            "last_success_at = '2024-01-01T02:45Z', "
                            "last_loaded_window_end = '2024-01-01T02:00Z', "
                            "oldest_pending_window = '2024-01-01T03:00Z', "
                            "last_failure_at IS NOT NULL "
                            "FROM pipeline_summary ORDER BY pipeline_id");
  REQUIRE(rows.size() == 2);
  const auto billing = rows[0];
  CHECK(billing[0].as<std::string>() == "billing");
  CHECK(billing[1].as<bool>());
  CHECK(billing[2].as<int>() == 0);
  CHECK(billing[9].is_null());

  const auto orders = rows[1];
  CHECK(orders[0].as<std::string>() == "orders");
  CHECK_FALSE(orders[1].as<bool>());
  CHECK(orders[2].as<int>() == 6);  // windows
  CHECK(orders[3].as<int>() == 1);  // pending
  CHECK(orders[4].as<int>() == 1);  // waiting_retry
  CHECK(orders[5].as<int>() == 2);  // running
  CHECK(orders[6].as<int>() == 2);  // succeeded
  CHECK(orders[7].as<int>() == 0);  // skipped
  CHECK(orders[8].as<int>() == 1);  // failed
  CHECK(orders[9].as<bool>());
  CHECK(orders[10].as<bool>());
  CHECK(orders[11].as<bool>());
  CHECK(orders[12].as<bool>());
}

TEST_CASE_METHOD(Filled, "failed_windows shows why and how often", "[store][views]") {
  const auto rows = run_sql(*c,
                            "SELECT window_start_time = '2024-01-01T02:00Z', retry_attempt, "
                            "error_message FROM failed_windows");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][0].as<bool>());
  CHECK(rows[0][1].as<int>() == 3);
  CHECK(rows[0][2].as<std::string>() == "target: permission denied for table events");
}

TEST_CASE_METHOD(Filled, "stuck_windows uses the session threshold, else the pipeline's",
                 "[store][views]") {
  const auto stuck = [&](const std::string& setting) {
    pqxx::work tx(*c);
    if (!setting.empty()) tx.exec("SET LOCAL sluice.stuck_after = '" + setting + "'");
    std::vector<std::string> runs;
    for (const auto& row : tx.exec("SELECT dag_run_id FROM stuck_windows ORDER BY dag_run_id")) {
      runs.push_back(row[0].as<std::string>());
    }
    return runs;
  };
  using V = std::vector<std::string>;
  CHECK(stuck("") == V{"r5"});                 // the pipeline's 30 minutes
  CHECK(stuck("5 minutes") == V{"r5", "r6"});  // the operator's threshold wins
  CHECK(stuck("3 hours").empty());
  const auto age = run_sql(*c,
                           "SELECT lease_age >= interval '1 hour', stuck_after "
                           "FROM stuck_windows");
  REQUIRE(age.size() == 1);
  CHECK(age[0][0].as<bool>());
  CHECK(age[0][1].as<std::string>() == "00:30:00");
}

TEST_CASE_METHOD(Filled, "window_latency measures from window end and from claim",
                 "[store][views]") {
  const auto rows = run_sql(*c,
                            "SELECT latency::text, run_duration::text, "
                            "source_to_stage_duration::text FROM window_latency "
                            "ORDER BY window_start_time");
  REQUIRE(rows.size() == 2);  // only finished windows
  CHECK(rows[0][0].as<std::string>() == "00:12:00");
  CHECK(rows[0][1].as<std::string>() == "00:02:00");
  CHECK(rows[0][2].as<std::string>() == "00:01:00");
  CHECK(rows[1][0].as<std::string>() == "00:45:00");
  CHECK(rows[1][1].as<std::string>() == "00:15:00");
  CHECK(rows[1][2].is_null());
}
