// What the migrated schema does: the indexes the hot queries need, the NOTIFY wake-ups,
// the constraints and triggers that keep records honest.
#include <algorithm>
#include <functional>
#include <vector>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "framework/store/errors.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using test::error_of;
using test::run_sql;
using test::TestDatabase;

namespace {

std::string plan_of(store::Connection& c, const std::string& query) {
  std::string plan;
  for (const auto& row : run_sql(c, "EXPLAIN " + query)) plan += row[0].as<std::string>() + "\n";
  return plan;
}

// A realistic history: 10 pipelines x 2,000 hourly windows, nearly all loaded, a few
// pending, running and failed; statistics up to date.
void fill_history(store::Connection& c) {
  run_sql(c, R"(
    INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
                                  time_interval, pipeline_status, dag_run_id,
                                  pipeline_locked_at, heartbeat_at)
    SELECT 'p' || (g % 10), date '2024-01-01',
           timestamptz '2020-01-01' + (g / 10) * interval '1 hour',
           timestamptz '2020-01-01' + (g / 10 + 1) * interval '1 hour', '1h',
           CASE WHEN g % 500 = 0 THEN 'PENDING' WHEN g % 700 = 1 THEN 'IN_PROGRESS'
                WHEN g % 300 = 2 THEN 'FAILED' ELSE 'SUCCESS' END,
           'scheduled__x', now(), now() - (g % 100) * interval '1 minute'
      FROM generate_series(1, 20000) g;
    ANALYZE pipeline_records;
  )");
}

const char* kInsertOne =
    "INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,"
    " time_interval) VALUES ('orders', '2024-01-01', '2024-01-01T00:00Z', '2024-01-01T01:00Z',"
    " '1h') RETURNING id";

}  // namespace

TEST_CASE("the claim and stale-lock queries use their indexes", "[store][schema]") {
  TestDatabase db;
  db.migrate();
  auto c = db.connect();
  fill_history(*c);

  struct Case {
    const char* name;
    const char* query;
    const char* index;
  };
  for (auto q : {
           Case{"claim: oldest claimable PENDING window of a pipeline",
                "SELECT id FROM pipeline_records WHERE pipeline_status = 'PENDING'"
                // The kind a parameter, as in the claim's generic plans (a constant false
                // would be folded into trigger <> 'backfill', off the index's key).
                " AND pipeline_id = 'p3' AND (trigger = 'backfill') = (SELECT false)"
                " AND (next_attempt_at IS NULL OR next_attempt_at <= now())"
                " ORDER BY window_start_time LIMIT 4 FOR UPDATE SKIP LOCKED",
                // claim_kind_idx, or on a table this small the walk's claim_order_idx: both
                // hold the PENDING windows only.
                "pipeline_records_claim_"},
           Case{"claim: the walk over PENDING windows of a kind in claim order",
                "SELECT pipeline_id FROM pipeline_records WHERE pipeline_status = 'PENDING'"
                " AND (trigger = 'backfill') = (SELECT false)"
                " AND (window_start_time, pipeline_id) > ('-infinity'::timestamptz, '')"
                " AND (next_attempt_at IS NULL OR next_attempt_at <= now())"
                " ORDER BY window_start_time, pipeline_id LIMIT 1",
                "pipeline_records_claim_order_idx"},
           Case{"stale-lock scan",
                "SELECT id FROM pipeline_records WHERE pipeline_status = 'IN_PROGRESS'"
                " AND COALESCE(heartbeat_at, pipeline_locked_at) < now() - interval '30 minutes'"
                " FOR UPDATE SKIP LOCKED",
                "pipeline_records_lease_idx"},
           // Either index of the FAILED windows (by pipeline, or by when they failed): with
           // 66 of them here the planner may take the smaller; at scale the one by pipeline.
           Case{"failed windows of a pipeline",
                "SELECT * FROM failed_windows WHERE pipeline_id = 'p2'",
                "pipeline_records_failed_"},
           Case{"last success of a pipeline",
                "SELECT max(window_end_time) FROM pipeline_records WHERE pipeline_id = 'p4'"
                " AND pipeline_status = 'SUCCESS' AND window_start_time >= '2020-02-01'",
                "pipeline_records_window_unique"},
           Case{"windows in a range across pipelines",
                "SELECT id FROM pipeline_records WHERE window_start_time >= '2020-02-01'"
                " AND window_start_time < '2020-02-02'",
                "pipeline_records_window_idx"},
           Case{"stuck windows", "SELECT * FROM stuck_windows", "pipeline_records_lease_idx"},
       }) {
    INFO(q.name);
    const auto plan = plan_of(*c, q.query);
    INFO(plan);
    CHECK_THAT(plan, Catch::Contains(q.index));
  }
}

namespace {

struct Collector : pqxx::notification_receiver {
  Collector(store::Connection& c, const std::string& channel)
      : pqxx::notification_receiver(c, channel) {}
  void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
  std::vector<std::string> payloads;
};

// What `listener` receives up to a marker sent after `action`: notifications of one session
// arrive in commit order, so nothing the action caused can come after the marker.
std::vector<std::string> caused_by(store::Connection& listener, Collector& records,
                                   Collector& backfill, store::Connection& writer,
                                   const std::string& action) {
  static int marker = 0;
  const std::string tag = "marker-" + std::to_string(++marker);
  records.payloads.clear();
  backfill.payloads.clear();
  run_sql(writer, action);
  run_sql(writer, "SELECT pg_notify('sluice_records', '" + tag + "')");
  for (int i = 0; i < 100; ++i) {
    if (!records.payloads.empty() && records.payloads.back() == tag) break;
    listener.await_notification(0, 100'000);
  }
  REQUIRE_FALSE(records.payloads.empty());
  REQUIRE(records.payloads.back() == tag);
  std::vector<std::string> out(records.payloads.begin(), records.payloads.end() - 1);
  for (const auto& p : backfill.payloads) out.push_back("backfill:" + p);
  return out;
}

}  // namespace

TEST_CASE("NOTIFY wakes the daemons when there is work", "[store][schema]") {
  TestDatabase db;
  db.migrate();
  auto listener = db.connect();
  auto writer = db.connect();
  Collector records(*listener, "sluice_records");
  Collector backfill(*listener, "sluice_backfill");
  auto caused = [&](const std::string& sql) {
    return caused_by(*listener, records, backfill, *writer, sql);
  };
  using V = std::vector<std::string>;
  const std::string insert =
      "INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time,"
      " window_end_time, time_interval, pipeline_status) ";

  // One notification per pipeline and statement, however many windows.
  auto woken = caused(insert +
                      "SELECT CASE WHEN g < 40 THEN 'orders' ELSE 'billing' END, '2024-01-01',"
                      " timestamptz '2024-01-01' + g * interval '1h',"
                      " timestamptz '2024-01-01' + (g + 1) * interval '1h', '1h', 'PENDING'"
                      " FROM generate_series(0, 49) g");
  std::sort(woken.begin(), woken.end());
  CHECK(woken == V{"billing", "orders"});
  CHECK(caused(insert + "VALUES ('done', '2024-01-01', '2024-01-01', '2024-01-02', '1d', "
                        "'SUCCESS')")
            .empty());
  // A duplicate window inserts nothing and wakes no one.
  CHECK(caused(insert + "VALUES ('orders', '2024-01-01', '2024-01-01', '2024-01-01T01:00Z', "
                        "'1h', 'PENDING') ON CONFLICT DO NOTHING")
            .empty());

  const std::string one = "(SELECT min(id) FROM pipeline_records WHERE pipeline_id = 'orders')";
  CHECK(caused("UPDATE pipeline_records SET pipeline_status = 'IN_PROGRESS', dag_run_id = 'r1',"
               " pipeline_locked_at = now() WHERE id = " +
               one)
            .empty());
  CHECK(caused("UPDATE pipeline_records SET heartbeat_at = now() WHERE id = " + one).empty());
  CHECK(caused("UPDATE pipeline_records SET pipeline_status = 'PENDING' WHERE id = " + one) ==
        V{"orders"});

  run_sql(*writer,
          "INSERT INTO pipelines (pipeline_id, paused, paused_by, paused_at) VALUES "
          "('orders', true, 'ops', now())");
  CHECK(caused("UPDATE pipelines SET paused_by = 'someone else' WHERE pipeline_id = 'orders'")
            .empty());
  CHECK(caused("UPDATE pipelines SET paused = false, paused_by = NULL, paused_at = NULL"
               " WHERE pipeline_id = 'orders'") == V{"orders"});

  const auto id = [&] {
    return run_sql(*writer, "SELECT max(id) FROM backfill_requests")[0][0].as<std::string>();
  };
  woken = caused(
      "INSERT INTO backfill_requests (pipeline_id, from_time, to_time) VALUES "
      "('orders', '2024-01-01', '2024-01-08')");
  CHECK(woken == V{"backfill:" + id()});
  CHECK(caused("UPDATE backfill_requests SET status = 'RUNNING', started_at = now()").empty());
  woken = caused("UPDATE backfill_requests SET status = 'CANCELLED'");
  CHECK(woken == V{"backfill:" + id()});
}

TEST_CASE("constraints refuse impossible records, classified as integrity errors",
          "[store][schema]") {
  TestDatabase db;
  db.migrate();
  auto c = db.connect();
  run_sql(*c, kInsertOne);
  const std::string columns =
      "INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,"
      " time_interval";
  struct Case {
    const char* name;
    std::string sql;
    const char* constraint;
  };
  for (const auto& k : std::vector<Case>{
           {"a second record for a window",
            columns + ") VALUES ('orders', '2024-01-01', '2024-01-01T00:00Z', '2024-01-01T02:00Z',"
                      " '2h')",
            "pipeline_records_window_unique"},
           {"a window ending before it starts",
            columns + ") VALUES ('x', '2024-01-01', '2024-01-01T01:00Z', '2024-01-01T01:00Z', "
                      "'1h')",
            "pipeline_records_window_order"},
           {"an unknown status",
            columns + ", pipeline_status) VALUES ('x', '2024-01-01', '2024-01-01', '2024-01-02',"
                      " '1d', 'DONE')",
            "pipeline_records_status_check"},
           {"IN_PROGRESS without a claim",
            columns + ", pipeline_status) VALUES ('x', '2024-01-01', '2024-01-01', '2024-01-02',"
                      " '1d', 'IN_PROGRESS')",
            "pipeline_records_claim_check"},
           {"an unknown trigger",
            columns + ", trigger) VALUES ('x', '2024-01-01', '2024-01-01', '2024-01-02', '1d',"
                      " 'cron')",
            "pipeline_records_trigger_check"},
           {"an unknown phase",
            columns + ", phase_completed) VALUES ('x', '2024-01-01', '2024-01-01', "
                      "'2024-01-02', '1d', 'LOAD')",
            "pipeline_records_phase_check"},
           {"business fields that are not an object",
            columns + ", business_fields) VALUES ('x', '2024-01-01', '2024-01-01', "
                      "'2024-01-02', '1d', '[1]')",
            "pipeline_records_business_fields_check"},
           {"a backfill ending before it starts",
            "INSERT INTO backfill_requests (pipeline_id, from_time, to_time) VALUES ('x', "
            "'2024-01-02', '2024-01-01')",
            "backfill_requests_range_check"},
           {"an unknown reprocess mode",
            "INSERT INTO backfill_requests (pipeline_id, from_time, to_time, reprocess) VALUES "
            "('x', '2024-01-01', '2024-01-02', 'some')",
            "backfill_requests_reprocess_check"},
       }) {
    INFO(k.name);
    const Error e = error_of([&] { run_sql(*c, k.sql); });
    CHECK(e.kind == ErrorKind::integrity);
    CHECK_THAT(e.message, Catch::Contains(k.constraint) && Catch::Contains("[SQLSTATE 23"));
  }
}

TEST_CASE("history is append-only and follows its record", "[store][schema]") {
  TestDatabase db;
  db.migrate();
  auto c = db.connect();
  const auto id = run_sql(*c, kInsertOne)[0][0].as<std::string>();
  run_sql(*c, "INSERT INTO pipeline_events (record_id, pipeline_id, task, outcome, rows) VALUES (" +
                  id + ", 'orders', 'source_to_stage', 'SUCCESS', 10)");
  const Error e = error_of([&] { run_sql(*c, "UPDATE pipeline_events SET rows = 11"); });
  CHECK(e.kind == ErrorKind::integrity);
  CHECK_THAT(e.message, Catch::Contains("pipeline_events is append-only"));
  run_sql(*c, "DELETE FROM pipeline_records WHERE id = " + id);
  CHECK(run_sql(*c, "SELECT count(*) FROM pipeline_events")[0][0].as<int>() == 0);
}

TEST_CASE("record_last_updated_time follows every update", "[store][schema]") {
  TestDatabase db;
  db.migrate();
  auto c = db.connect();
  const auto id = run_sql(*c, kInsertOne)[0][0].as<std::string>();
  run_sql(*c,
          "UPDATE pipeline_records SET record_last_updated_time = '2000-01-01', "
          "record_first_created_time = '2000-01-01' WHERE id = " +
              id);
  const auto row = run_sql(*c,
                           "SELECT record_last_updated_time > now() - interval '1 minute',"
                           " record_first_created_time = '2000-01-01'"
                           " FROM pipeline_records WHERE id = " +
                               id)[0];
  CHECK(row[0].as<bool>());
  CHECK(row[1].as<bool>());
}
