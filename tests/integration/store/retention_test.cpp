// Retention against a real server: what goes, what stays, batch by batch.
#include <catch2/catch.hpp>

#include "framework/store/retention.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using test::count;
using test::run_sql;

namespace {

time::Duration days(int n) {
  return time::Duration{0, Seconds(n * 86400)};
}

// Pipeline `a`: 30 daily windows ending 99.5 to 70.5 days ago (half a day off every age the
// cases use, so the instant of the prune never decides), statuses cycling SUCCESS,
// SKIPPED, FAILED; one event each. Pipeline `b`: one SUCCESS window ended 200 days ago,
// its newest. Pipeline `c`: one PENDING window 200 days back.
void seed(store::Connection& c) {
  run_sql(
      c,
      "INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time, "
      "time_interval, pipeline_status) "
      "SELECT 'a', (now() - (101 - i) * interval '1 day')::date, "
      "now() - (101 - i) * interval '1 day' + interval '12 hours', "
      "now() - (100 - i) * interval '1 day' + interval '12 hours', '1d', "
      "(ARRAY['SUCCESS','SKIPPED','FAILED'])[1 + i % 3] "
      "FROM generate_series(0, 29) i;"
      "INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time, "
      "time_interval, pipeline_status) VALUES "
      "('b', (now() - interval '201 days')::date, now() - interval '201 days', now() - interval "
      "'200 days', "
      "'1d', 'SUCCESS'),"
      "('c', (now() - interval '201 days')::date, now() - interval '201 days', now() - interval "
      "'200 days', "
      "'1d', 'PENDING');"
      "INSERT INTO pipeline_events (record_id, pipeline_id, task, outcome, created_at) "
      "SELECT id, pipeline_id, 'audit', 'SUCCESS', window_end_time FROM pipeline_records");
}

}  // namespace

TEST_CASE("retention prunes finished records and old events in batches and keeps the rest",
          "[store][retention]") {
  struct Case {
    const char* name;
    std::optional<int> records_days, events_days;
    int batch;
    int records_left, events_left;
  };
  // a has 10 SUCCESS + 10 SKIPPED + 10 FAILED; its newest (i = 29, FAILED) is kept anyway.
  for (const auto& k : {
           Case{"nothing configured keeps everything", std::nullopt, std::nullopt, 7, 32, 32},
           // i < 10 ended over 90 days ago: 7 of them finished.
           Case{"records older than 90 days: finished ones go with their events", 90, std::nullopt,
                7, 25, 25},
           Case{"records older than 85 days: only windows that ended before", 85, std::nullopt, 3,
                22, 22},
           // a's first 10 events, and b's and c's.
           Case{"events older than 90 days, records kept", std::nullopt, 90, 4, 32, 20},
           Case{"both, batch of one", 95, 150, 1, 28, 26},
       }) {
    INFO(k.name);
    test::TestDatabase db;
    db.migrate();
    auto c = db.connect();
    seed(*c);
    store::RetentionPolicy policy;
    if (k.records_days) policy.records = days(*k.records_days);
    if (k.events_days) policy.events = days(*k.events_days);
    policy.batch_size = k.batch;
    policy.max_batches = 1000;
    auto report = store::prune(*c, policy);
    REQUIRE(report);
    CHECK_FALSE(report->more);
    CHECK(count(*c, "SELECT count(*) FROM pipeline_records") == k.records_left);
    CHECK(count(*c, "SELECT count(*) FROM pipeline_events") == k.events_left);
    CHECK(report->records == 32 - k.records_left);
    // Never pruned: unfinished records, and each pipeline's newest record.
    CHECK(count(*c,
                "SELECT count(*) FROM pipeline_records WHERE pipeline_status IN ('FAILED', "
                "'PENDING')") == 11);
    CHECK(count(*c, "SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'b'") == 1);
  }
}

TEST_CASE("retention stops after max_batches and says there is more", "[store][retention]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  seed(*c);
  store::RetentionPolicy policy;
  policy.records = days(85);  // 10 records to go
  policy.batch_size = 2;
  policy.max_batches = 3;
  auto first = store::prune(*c, policy);
  REQUIRE(first);
  CHECK(first->records == 6);
  CHECK(first->more);
  int rounds = 1;
  for (auto next = first; next && next->more; ++rounds) next = store::prune(*c, policy);
  CHECK(count(*c, "SELECT count(*) FROM pipeline_records") == 22);
  CHECK(rounds == 2);  // 6, then 4
}
