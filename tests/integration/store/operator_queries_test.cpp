// The operator queries rewritten for 10,000 pipelines (0018: pipeline_summary; `status`'s
// Operator::counts, which since 0019 reads the newest scheduled window kept with the counts)
// against their previous definitions, kept here as written before, on a random mix of
// registered, paused and unregistered pipelines, every status, retries waiting, backfill and
// manual windows, dependencies holding windows back, reruns, windows turned backfill or back,
// deletes and folds. Same rows, same values, after each round of changes, for a few ids and
// for more than Operator::counts filters by.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "framework/store/operator.hpp"
#include "framework/store/records.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using test::run_sql;

namespace {

constexpr int kPipelines = 8;  // p0..p5 registered (p2 paused), p6 and p7 not
constexpr int kWindows = 60;

std::string pipeline(int i) {
  return "p" + std::to_string(i);
}

// The definitions before 0018, in the schema before_0018.
std::string definitions_before() {
  std::ifstream in(std::filesystem::path(SLUICE_SOURCE_DIR) / "tests" / "bench" / "scale" /
                   "before_0018.sql");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string text_of(const store::PipelineCounts& c) {
  const auto epoch = [](const std::optional<Instant>& t) {
    return t ? std::to_string(t->time_since_epoch().count()) : std::string();
  };
  return fmt::format(
      "{} pending {} running {} failed {} success {} skipped {} last_success {} "
      "last_generated {} paused {} waiting_on {}",
      c.pipeline, c.pending, c.running, c.failed, c.success, c.skipped, epoch(c.last_success_end),
      epoch(c.last_generated_end), c.paused ? "t" : "f", c.waiting_on);
}

const char* const kStatuses[] = {"PENDING", "IN_PROGRESS", "SUCCESS", "SKIPPED", "FAILED"};
const char* const kTriggers[] = {"scheduled", "scheduled", "backfill", "manual"};

// One random change to the records (or a fold of the counts).
void random_change(store::Connection& c, std::mt19937& rng) {
  const auto p = pipeline(static_cast<int>(rng() % kPipelines));
  const auto n = static_cast<int>(rng() % kWindows);
  const std::string status = kStatuses[rng() % 5];
  const std::string at = "timestamptz '2024-01-01' + " + std::to_string(n) + " * interval '1 hour'";
  // A retry waiting (ahead), one whose wait is over, or none.
  const std::string next_attempt = rng() % 3 == 0   ? "now() + interval '1 hour'"
                                   : rng() % 2 == 0 ? "now() - interval '1 hour'"
                                                    : "NULL";
  switch (rng() % 7) {
    case 0:
    case 1:
      run_sql(c,
              "INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, "
              "window_end_time, time_interval, pipeline_status, trigger, next_attempt_at, "
              "pipeline_end_time, dag_run_id, pipeline_locked_at, error_message) VALUES ('" +
                  p + "', '2024-01-01', " + at + ", " + at + " + interval '1 hour', '1h', '" +
                  status + "', '" + kTriggers[rng() % 4] + "', " + next_attempt +
                  ", now() - interval '" + std::to_string(rng() % 1000) +
                  " minutes', 'r', now(), 'run_if: not yet') ON CONFLICT DO NOTHING");
      break;
    case 2:  // a rerun of a range, or windows finishing
      run_sql(c, "UPDATE pipeline_records SET pipeline_status = '" + status +
                     "', next_attempt_at = " + next_attempt +
                     ", dag_run_id = 'r', pipeline_locked_at = now() WHERE pipeline_id = '" + p +
                     "' AND window_start_time BETWEEN " + at + " AND " + at +
                     " + interval '5 hours'");
      break;
    case 3:
      run_sql(c, "DELETE FROM pipeline_records WHERE pipeline_id = '" + p +
                     "' AND window_start_time BETWEEN " + at + " AND " + at +
                     " + interval '3 hours'");
      break;
    case 4:  // the last run of a PENDING window waits for its run_if
      run_sql(c,
              "INSERT INTO pipeline_events (record_id, pipeline_id, task, outcome) "
              "SELECT id, pipeline_id, 'pre_validation', '" +
                  std::string(rng() % 2 == 0 ? "WAITING" : "RETRY") +
                  "' FROM pipeline_records WHERE pipeline_id = '" + p +
                  "' AND pipeline_status = 'PENDING' ORDER BY window_start_time LIMIT 1");
      break;
    case 5:  // a backfill over scheduled windows, or the other way round
      run_sql(c,
              "UPDATE pipeline_records SET trigger = CASE WHEN trigger = 'backfill' THEN "
              "'scheduled' ELSE 'backfill' END WHERE pipeline_id = '" +
                  p + "' AND window_start_time BETWEEN " + at + " AND " + at +
                  " + interval '5 hours'");
      break;
    default: run_sql(c, "SELECT sluice_fold_counts()");
  }
}

// Rows of one view not in the other, both ways, in one statement (one now()).
std::vector<std::string> summary_differences(store::Connection& c) {
  std::vector<std::string> out;
  for (const auto& row : run_sql(c, R"(
      (SELECT 'now ' || s::text FROM pipeline_summary s
       EXCEPT ALL SELECT 'now ' || b::text FROM before_0018.pipeline_summary b)
      UNION ALL
      (SELECT 'before ' || b::text FROM before_0018.pipeline_summary b
       EXCEPT ALL SELECT 'before ' || s::text FROM pipeline_summary s))"))
    out.push_back(row[0].as<std::string>());
  return out;
}

std::vector<std::string> counts_before(store::Connection& c, const std::vector<std::string>& ids) {
  pqxx::nontransaction tx(c);
  std::vector<std::string> out;
  const auto rows = tx.exec_params(
      "SELECT format('%s pending %s running %s failed %s success %s skipped %s last_success %s "
      "last_generated %s paused %s waiting_on %s', pipeline_id, pending, running, failed, "
      "succeeded, skipped, last_success_end, last_generated_end, paused, waiting_on) "
      "FROM before_0018.counts($1::text[]) ORDER BY pipeline_id",
      store::array_literal(ids));
  for (const auto& row : rows) out.push_back(row[0].as<std::string>());
  return out;
}

}  // namespace

TEST_CASE(
    "pipeline_summary and status's counts answer what their previous definitions answered, "
    "on a random mix",
    "[store][counts][operator]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  run_sql(*c, definitions_before());
  run_sql(*c, R"(
    INSERT INTO pipelines (pipeline_id, paused)
    SELECT 'p' || i, i = 2 FROM generate_series(0, 5) i;
    INSERT INTO pipeline_dependencies (pipeline_id, upstream_id, mode, upstream_span)
    VALUES ('p1', 'p0', 'windows', interval '2 hours'), ('p3', 'p2', 'latest', interval '1 hour'),
           ('p6', 'p4', 'windows', interval '2 hours');
  )");
  // Asked for: every pipeline, one nobody knows, and one twice; and the same with 100 more
  // nobody knows (each part read whole, not filtered by the ids).
  std::vector<std::string> ids{"p5", "nobody", "p1"};
  for (int i = 0; i < kPipelines; ++i) ids.push_back(pipeline(i));
  std::vector<std::string> many = ids;
  for (int i = 0; i < 100; ++i) many.push_back("absent_" + std::to_string(i));
  store::Operator op(*c, "operator-queries-test");

  std::mt19937 rng(GENERATE(1u, 2u, 3u));
  std::size_t compared = 0;
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 80; ++i) random_change(*c, rng);
    INFO("round " << round);
    for (const auto& d : summary_differences(*c)) FAIL_CHECK(d);
    compared += static_cast<std::size_t>(
        test::count(*c, "SELECT count(*) FROM before_0018.pipeline_summary"));

    for (const auto* asked : {&ids, &many}) {
      const auto before = counts_before(*c, *asked);
      const auto now = op.counts(*asked, *asked);
      REQUIRE(now);
      std::vector<std::string> after;
      for (const auto& k : *now) after.push_back(text_of(k));
      CHECK(after == before);
    }
  }
  // The mix reached what the comparison is about.
  CHECK(compared > 30);
  CHECK(test::count(
            *c, "SELECT count(*) FROM before_0018.pipeline_summary WHERE waiting_retry > 0") > 0);
  CHECK(test::count(
            *c,
            "SELECT count(*) FROM before_0018.pipeline_summary WHERE pipeline_id IN ('p6', 'p7')") >
        0);
  CHECK(test::count(
            *c,
            "SELECT count(*) FROM before_0018.pipeline_summary WHERE failed > 0 AND running > 0") >
        0);
  const auto waiting = counts_before(*c, ids);
  CHECK(std::any_of(waiting.begin(), waiting.end(), [](const std::string& s) {
    return s.find("waiting_on waiting on") != std::string::npos;
  }));
}
