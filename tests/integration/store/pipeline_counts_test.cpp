// The finished-window counts and the newest scheduled windows kept incrementally (0016, 0019,
// store::fold_counts) against a full recount, after several connections insert, finish,
// rerun, move, retrigger and delete records at the same time, some of it in transactions
// rolled back, with folds in between.
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "framework/store/operator.hpp"
#include "framework/store/retention.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using test::count;
using test::run_sql;

namespace {

constexpr int kPipelines = 6;
constexpr int kWindows = 300;

std::string pipeline(int i) {
  return "p" + std::to_string(i);
}

const char* const kStatuses[] = {"PENDING", "IN_PROGRESS", "SUCCESS", "SKIPPED", "FAILED"};

// One random change; an error (a unique window taken by a move, a lock wait cut short) undoes
// that statement only, which the counts must follow too.
void random_change(pqxx::connection& c, std::mt19937& rng) {
  const auto p = pipeline(static_cast<int>(rng() % kPipelines));
  const auto n = static_cast<int>(rng() % kWindows);
  const std::string status = kStatuses[rng() % 5];
  const std::string at = "timestamptz '2024-01-01' + " + std::to_string(n) + " * interval '1 hour'";
  std::string sql;
  switch (rng() % 8) {
    case 0:
    case 1:
      sql =
          "INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, "
          "window_end_time, time_interval, pipeline_status, pipeline_end_time, dag_run_id, "
          "pipeline_locked_at, trigger) VALUES ('" +
          p + "', '2024-01-01', " + at + ", " + at + " + interval '1 hour', '1h', '" + status +
          "', now(), 'r', now(), '" + (rng() % 3 == 0 ? "backfill" : "scheduled") +
          "') ON CONFLICT DO NOTHING";
      break;
    case 2:
      sql = "UPDATE pipeline_records SET pipeline_status = '" + status +
            "', pipeline_end_time = now(), dag_run_id = 'r', pipeline_locked_at = now() "
            "WHERE pipeline_id = '" +
            p + "' AND window_start_time = " + at;
      break;
    case 3:  // many at once: a rerun of a range
      sql = "UPDATE pipeline_records SET pipeline_status = '" + status +
            "', dag_run_id = 'r', pipeline_locked_at = now() WHERE pipeline_id = '" + p +
            "' AND window_start_time BETWEEN " + at + " AND " + at + " + interval '9 hours'";
      break;
    case 4:
      sql = "DELETE FROM pipeline_records WHERE pipeline_id = '" + p +
            "' AND window_start_time BETWEEN " + at + " AND " + at + " + interval '4 hours'";
      break;
    case 5:
      sql = "UPDATE pipeline_records SET pipeline_id = '" +
            pipeline(static_cast<int>(rng() % kPipelines)) + "' WHERE pipeline_id = '" + p +
            "' AND window_start_time = " + at;
      break;
    case 6:  // a backfill over scheduled windows, or the other way round
      sql =
          "UPDATE pipeline_records SET trigger = CASE WHEN trigger = 'backfill' THEN "
          "'scheduled' ELSE 'backfill' END WHERE pipeline_id = '" +
          p + "' AND window_start_time BETWEEN " + at + " AND " + at + " + interval '5 hours'";
      break;
    default: sql = "SELECT sluice_fold_counts()";
  }
  const bool rolled_back = rng() % 10 == 0;
  try {
    pqxx::work tx(c);
    tx.exec("SET LOCAL lock_timeout = '2s'");
    tx.exec(sql);
    if (!rolled_back) tx.commit();
  } catch (const pqxx::sql_error&) {
  }
}

// Pipelines whose kept counts differ from a recount, with both.
std::vector<std::string> mismatches(store::Connection& c) {
  std::vector<std::string> out;
  const auto rows = run_sql(c, R"(
    WITH recount AS (
        SELECT pipeline_id,
               count(*) FILTER (WHERE pipeline_status = 'SUCCESS') AS succeeded,
               count(*) FILTER (WHERE pipeline_status = 'SKIPPED') AS skipped,
               count(*) FILTER (WHERE pipeline_status = 'FAILED')  AS failed,
               count(*) AS windows,
               count(*) FILTER (WHERE pipeline_status = 'PENDING') AS pending,
               count(*) FILTER (WHERE pipeline_status = 'IN_PROGRESS') AS running
          FROM pipeline_records GROUP BY pipeline_id)
    SELECT coalesce(r.pipeline_id, s.pipeline_id),
           format('%s %s %s %s %s %s', r.succeeded, r.skipped, r.failed, r.windows, r.pending,
                  r.running),
           format('%s %s %s %s %s %s', s.succeeded, s.skipped, s.failed, s.windows, s.pending,
                  s.running)
      FROM recount r FULL JOIN pipeline_summary s USING (pipeline_id)
     WHERE (r.succeeded, r.skipped, r.failed, r.windows, r.pending, r.running)
           IS DISTINCT FROM (s.succeeded, s.skipped, s.failed, s.windows, s.pending, s.running)
       AND coalesce(r.windows, 0) + coalesce(s.windows, 0) > 0)");
  for (const auto& row : rows)
    out.push_back(row[0].as<std::string>() + ": recount " + row[1].as<std::string>() + ", kept " +
                  row[2].as<std::string>());
  return out;
}

// Pipelines whose newest scheduled window's end, as `status` reads it (store::Operator::counts,
// for a few ids and for more than it filters by), is not the newest one the records hold.
std::vector<std::string> scheduled_mismatches(store::Connection& c) {
  std::vector<std::string> few, many;
  for (int i = 0; i < kPipelines; ++i) few.push_back(pipeline(i));
  many = few;
  for (int i = 0; i < 100; ++i) many.push_back("absent_" + std::to_string(i));
  store::Operator op(c, "counts-test");
  std::vector<std::string> out;
  for (const auto* ids : {&few, &many}) {
    const auto counts = op.counts(*ids, *ids);
    REQUIRE(counts);
    REQUIRE(counts->size() == ids->size());
    for (const auto& k : *counts) {
      const auto probe = run_sql(c,
                                 "SELECT extract(epoch FROM window_end_time)::bigint FROM "
                                 "pipeline_records WHERE pipeline_id = '" +
                                     k.pipeline +
                                     "' AND trigger <> 'backfill' ORDER BY window_start_time "
                                     "DESC LIMIT 1");
      const std::optional<std::int64_t> expected =
          probe.empty() ? std::nullopt : std::optional(probe[0][0].as<std::int64_t>());
      const std::optional<std::int64_t> kept =
          k.last_generated_end ? std::optional(k.last_generated_end->time_since_epoch().count())
                               : std::nullopt;
      if (kept != expected)
        out.push_back(k.pipeline + " of " + std::to_string(ids->size()) + " ids: records " +
                      (expected ? std::to_string(*expected) : "none") + ", kept " +
                      (kept ? std::to_string(*kept) : "none"));
    }
  }
  return out;
}

}  // namespace

TEST_CASE(
    "the kept counts equal a recount after concurrent inserts, finishes, reruns, moves "
    "and deletes",
    "[store][counts]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();

  std::vector<std::thread> writers;
  for (unsigned seed = 1; seed <= 4; ++seed)
    writers.emplace_back([&db, seed] {
      pqxx::connection own(db.url());
      std::mt19937 rng(seed);
      for (int i = 0; i < 600; ++i) random_change(own, rng);
    });
  for (auto& w : writers) w.join();

  REQUIRE(count(*c,
                "SELECT count(*) FROM pipeline_records WHERE pipeline_status IN "
                "('SUCCESS', 'SKIPPED', 'FAILED')") > 100);
  for (const auto& m : mismatches(*c)) FAIL_CHECK(m);
  CHECK(mismatches(*c).empty());
  for (const auto& m : scheduled_mismatches(*c)) FAIL_CHECK(m);
  CHECK(count(*c, "SELECT count(*) FROM pipeline_records WHERE trigger = 'backfill'") > 0);
  // The newest scheduled window deleted: its pipeline's windows are read until the fold.
  run_sql(*c,
          "DELETE FROM pipeline_records WHERE id = (SELECT id FROM pipeline_records WHERE "
          "trigger <> 'backfill' ORDER BY window_start_time DESC LIMIT 1)");
  CHECK(count(*c, "SELECT count(*) FROM pipeline_count_deltas WHERE rescan") > 0);
  for (const auto& m : scheduled_mismatches(*c)) FAIL_CHECK(m);

  // Folding changes where the counts are kept, not what they say.
  const auto folded = store::fold_counts(*c);
  REQUIRE(folded);
  CHECK(count(*c, "SELECT count(*) FROM pipeline_count_deltas") == 0);
  CHECK(mismatches(*c).empty());
  for (const auto& m : scheduled_mismatches(*c)) FAIL_CHECK(m);

  // The same through `status`'s query.
  std::vector<std::string> ids;
  ids.reserve(kPipelines);
  for (int i = 0; i < kPipelines; ++i) ids.push_back(pipeline(i));
  store::Operator op(*c, "counts-test");
  const auto counts = op.counts(ids, ids);
  REQUIRE(counts);
  for (const auto& k : *counts) {
    INFO(k.pipeline);
    const std::string of = " FROM pipeline_records WHERE pipeline_id = '" + k.pipeline + "'";
    CHECK(k.success == count(*c, "SELECT count(*)" + of + " AND pipeline_status = 'SUCCESS'"));
    CHECK(k.skipped == count(*c, "SELECT count(*)" + of + " AND pipeline_status = 'SKIPPED'"));
    CHECK(k.failed == count(*c, "SELECT count(*)" + of + " AND pipeline_status = 'FAILED'"));
    CHECK(k.pending == count(*c, "SELECT count(*)" + of + " AND pipeline_status = 'PENDING'"));
    CHECK(k.running == count(*c, "SELECT count(*)" + of + " AND pipeline_status = 'IN_PROGRESS'"));
  }
}

TEST_CASE(
    "a rerun or retention does not lower when a pipeline last succeeded, and TRUNCATE "
    "empties the counts",
    "[store][counts]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  run_sql(*c, R"(
    INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
                                  time_interval, pipeline_status, pipeline_end_time)
    VALUES ('orders', '2024-01-01', '2024-01-01T00:00Z', '2024-01-01T01:00Z', '1h', 'SUCCESS',
            '2024-01-01T01:05Z'),
           ('orders', '2024-01-01', '2024-01-01T01:00Z', '2024-01-01T02:00Z', '1h', 'SUCCESS',
            '2024-01-01T02:05Z');
    SELECT sluice_fold_counts();
    UPDATE pipeline_records SET pipeline_status = 'PENDING'
     WHERE window_start_time = '2024-01-01T01:00Z';
  )");
  const auto summary = [&] {
    return run_sql(*c,
                   "SELECT succeeded, pending, last_success_at = '2024-01-01T02:05Z' FROM "
                   "pipeline_summary WHERE pipeline_id = 'orders'");
  };
  auto row = summary();
  REQUIRE(row.size() == 1);
  CHECK(row[0][0].as<int>() == 1);
  CHECK(row[0][1].as<int>() == 1);
  CHECK(row[0][2].as<bool>());

  run_sql(*c, "DELETE FROM pipeline_records WHERE pipeline_status = 'SUCCESS'");
  row = summary();
  REQUIRE(row.size() == 1);
  CHECK(row[0][0].as<int>() == 0);
  CHECK(row[0][2].as<bool>());

  run_sql(*c, "TRUNCATE pipeline_records CASCADE");
  CHECK(count(*c, "SELECT count(*) FROM pipeline_counts") == 0);
  CHECK(count(*c, "SELECT count(*) FROM pipeline_count_deltas") == 0);
  CHECK(count(*c, "SELECT count(*) FROM pipeline_summary") == 0);
}
