// The latency percentiles kept incrementally (0022: window_latency_summary, which
// sql/queries/latency.sql reads) against an exact computation from pipeline_records, on
// hostile windows (negative, sub-millisecond, month-long and straddling latencies, windows
// ending a century ahead, NULL times, windows older than the kept days), after reruns,
// windows finishing twice, mark-success, deletes, moves and rolled-back changes, before and
// after folds: the same pipelines, the same counts and largest latency, each percentile
// within the stated 5%.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "framework/store/records.hpp"
#include "framework/store/retention.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using test::count;
using test::run_sql;

namespace {

constexpr int kPipelines = 7;
constexpr int kWindows = 300;  // hourly, back from the current hour: 12.5 days

// What latency.sql counts: the windows that ended from midnight UTC 7 days ago on.
constexpr const char* kSince =
    "((now() AT TIME ZONE 'UTC')::date - 7)::timestamp AT TIME ZONE 'UTC'";

// Windows of each pipeline with its own kind of latency (seconds after the window's end).
void seed(store::Connection& c) {
  run_sql(c, "SELECT setseed(0.25)");
  run_sql(c, R"(
    INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
                                  time_interval, pipeline_status, pipeline_start_time,
                                  pipeline_end_time)
    SELECT 'p' || p, '2024-01-01', e - interval '1 hour', e, '1h',
           CASE WHEN n % 10 = 3 THEN 'SKIPPED' WHEN n % 17 = 0 THEN 'FAILED'
                WHEN n % 23 = 0 THEN 'PENDING' ELSE 'SUCCESS' END,
           CASE WHEN p = 4 AND n % 2 = 0 THEN NULL ELSE e - random() * interval '1 hour' END,
           CASE WHEN n % 29 = 0 AND p <> 1 THEN NULL  -- SUCCESS without an end: not counted
                ELSE e + CASE p WHEN 0 THEN -random() * interval '1 hour'
                                WHEN 1 THEN random() * interval '900 microseconds'
                                WHEN 2 THEN (random() - 0.5) * interval '10 minutes'
                                WHEN 3 THEN random() * interval '30 days'
                                ELSE interval '5 minutes' + random() * interval '2 hours' END
           END
      FROM generate_series(0, 6) p, generate_series(0, 299) n,
           LATERAL (SELECT date_trunc('hour', now()) - n * interval '1 hour' AS e) w;
    -- A window ending a century ahead, loaded now: a latency of minus a century.
    INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
                                  time_interval, pipeline_status, pipeline_start_time,
                                  pipeline_end_time)
    VALUES ('p5', '2124-01-01', now() + interval '100 years',
            now() + interval '100 years 1 hour', '1h', 'SUCCESS', now(), now());
  )");
}

struct Row {
  std::int64_t windows = 0;
  double latency_p50 = 0, latency_p95 = 0, latency_max = 0;
  std::optional<double> run_p50, run_p95;
};

struct Exact {
  std::vector<double> latencies, runs;
};

// percentile_cont and what 0022 promises about its estimate: 5% of the larger of the two
// values it lies between (they may straddle zero), or 1 ms.
std::pair<double, double> percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double rank = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const auto hi = static_cast<std::size_t>(std::ceil(rank));
  const double value = v[lo] + (rank - std::floor(rank)) * (v[hi] - v[lo]);
  return {value, std::max(0.05 * std::max(std::abs(v[lo]), std::abs(v[hi])), 0.001)};
}

std::map<std::string, Exact> exact(store::Connection& c) {
  std::map<std::string, Exact> out;
  for (const auto& row : run_sql(c, std::string("SELECT pipeline_id, extract(epoch FROM latency)"
                                                "::float8, extract(epoch FROM run_duration)"
                                                "::float8 FROM window_latency "
                                                "WHERE window_end_time >= ") +
                                        kSince)) {
    auto& e = out[row[0].as<std::string>()];
    e.latencies.push_back(row[1].as<double>());
    if (!row[2].is_null()) e.runs.push_back(row[2].as<double>());
  }
  return out;
}

std::map<std::string, Row> summary(store::Connection& c) {
  std::map<std::string, Row> out;
  const auto opt = [](const pqxx::field& f) {
    return f.is_null() ? std::nullopt : std::optional<double>(f.as<double>());
  };
  for (const auto& row : run_sql(c,
                                 "SELECT pipeline_id, windows, extract(epoch FROM latency_p50), "
                                 "extract(epoch FROM latency_p95), extract(epoch FROM "
                                 "latency_max), extract(epoch FROM run_p50), extract(epoch FROM "
                                 "run_p95) FROM window_latency_summary"))
    out[row[0].as<std::string>()] = {
        row[1].as<std::int64_t>(), row[2].as<double>(), row[3].as<double>(),
        row[4].as<double>(),       opt(row[5]),         opt(row[6])};
  return out;
}

void check_estimate(const std::string& what, const std::vector<double>& values, double q,
                    std::optional<double> estimate) {
  INFO(what);
  if (values.empty()) {
    CHECK(!estimate);
    return;
  }
  REQUIRE(estimate);
  const auto [value, bound] = percentile(values, q);
  INFO("exact " << value << ", estimate " << *estimate << ", bound " << bound);
  CHECK(std::abs(*estimate - value) <= bound * 1.0001);
}

// The summary against the exact answer; returns the pipelines compared.
std::size_t compare(store::Connection& c) {
  const auto want = exact(c);
  const auto got = summary(c);
  std::vector<std::string> want_ids, got_ids;
  for (const auto& [id, e] : want) want_ids.push_back(id);
  for (const auto& [id, r] : got) got_ids.push_back(id);
  CHECK(got_ids == want_ids);
  for (const auto& [id, e] : want) {
    const auto found = got.find(id);
    if (found == got.end()) continue;
    const Row& r = found->second;
    INFO(id);
    CHECK(r.windows == static_cast<std::int64_t>(e.latencies.size()));
    CHECK(r.latency_max == *std::max_element(e.latencies.begin(), e.latencies.end()));
    check_estimate("latency_p50", e.latencies, 0.5, r.latency_p50);
    check_estimate("latency_p95", e.latencies, 0.95, r.latency_p95);
    check_estimate("run_p50", e.runs, 0.5, r.run_p50);
    check_estimate("run_p95", e.runs, 0.95, r.run_p95);
  }
  return want.size();
}

// Windows of pipelines p1..p`pipelines`, hourly back from the current hour: the newest
// `pending` PENDING, the others SUCCESS, loaded `latency` (SQL of p and n) after their end.
void hourly_windows(store::Connection& c, int pipelines, int hours, int pending,
                    const std::string& latency) {
  run_sql(c, fmt::format(R"(
    INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
                                  time_interval, pipeline_status, pipeline_start_time,
                                  pipeline_end_time)
    SELECT 'p' || p, '2024-01-01', e - interval '1 hour', e, '1h',
           CASE WHEN n < {2} THEN 'PENDING' ELSE 'SUCCESS' END,
           CASE WHEN n >= {2} THEN e END, CASE WHEN n >= {2} THEN e + {3} END
      FROM generate_series(1, {0}) p, generate_series(0, {1} - 1) n,
           LATERAL (SELECT date_trunc('hour', now()) - n * interval '1 hour' AS e) w)",
                         pipelines, hours, pending, latency));
}

// One change of the kinds an operator or the product makes to finished windows.
void random_change(store::Connection& c, std::mt19937& rng) {
  const auto p = "p" + std::to_string(rng() % kPipelines);
  const auto n = static_cast<int>(rng() % kWindows);
  const std::string at =
      "date_trunc('hour', now()) - " + std::to_string(n) + " * interval '1 hour'";
  const std::string range = "pipeline_id = '" + p + "' AND window_end_time BETWEEN " + at +
                            " - interval '6 hours' AND " + at;
  std::string sql;
  switch (rng() % 8) {
    case 0:  // a rerun: back to PENDING, the times cleared
      sql =
          "UPDATE pipeline_records SET pipeline_status = 'PENDING', pipeline_start_time = NULL, "
          "pipeline_end_time = NULL WHERE " +
          range;
      break;
    case 1:  // claimed and finished again (a window finishing twice), or finishing at last
      sql =
          "UPDATE pipeline_records SET pipeline_status = 'SUCCESS', pipeline_start_time = "
          "coalesce(pipeline_start_time, now()), pipeline_end_time = now() + interval '" +
          std::to_string(rng() % 5000) + " seconds' WHERE " + range;
      break;
    case 2:  // mark-success of failed windows, keeping their end time
      sql =
          "UPDATE pipeline_records SET pipeline_status = 'SUCCESS', "
          "pipeline_end_time = coalesce(pipeline_end_time, now()) WHERE pipeline_status = "
          "'FAILED' AND " +
          range;
      break;
    case 3:  // a window deleted (retention, or by hand)
      sql = "DELETE FROM pipeline_records WHERE " + range;
      break;
    case 4:  // SUCCESS <-> SKIPPED: the same latency
      sql =
          "UPDATE pipeline_records SET pipeline_status = CASE pipeline_status WHEN 'SUCCESS' "
          "THEN 'SKIPPED' ELSE 'SUCCESS' END WHERE pipeline_status IN ('SUCCESS', 'SKIPPED') "
          "AND " +
          range;
      break;
    case 5: {  // moved to another pipeline, where its start is free
      const auto to = "'p" + std::to_string(rng() % kPipelines) + "'";
      sql = "UPDATE pipeline_records r SET pipeline_id = " + to + " WHERE " + range +
            " AND NOT EXISTS (SELECT 1 FROM pipeline_records o WHERE o.pipeline_id = " + to +
            " AND o.window_start_time = r.window_start_time)";
      break;
    }
    case 6:  // a failure: out of the view
      sql = "UPDATE pipeline_records SET pipeline_status = 'FAILED' WHERE " + range;
      break;
    default: sql = "SELECT sluice_fold_latency()";
  }
  if (rng() % 6 == 0) {
    run_sql(c, "BEGIN; " + sql + "; ROLLBACK");
    return;
  }
  try {
    run_sql(c, sql);
  } catch (const pqxx::unique_violation&) {  // a move onto a taken window: nothing changed
  }
}

}  // namespace

TEST_CASE(
    "window_latency_summary answers the exact percentiles within 5%, counts and largest "
    "exactly, through hostile changes and folds",
    "[store][latency]") {
  test::MigratedDatabase m;
  auto& c = *m.c;
  seed(c);
  // Nothing folded yet: every answer comes from the deltas.
  CHECK(count(c, "SELECT count(*) FROM pipeline_latency_deltas") > 0);
  CHECK(compare(c) == kPipelines);
  REQUIRE(store::fold_latency(c));  // as each daemon's metrics refresh does
  CHECK(count(c, "SELECT count(*) FROM pipeline_latency_deltas") == 0);
  CHECK(count(c, "SELECT count(*) FROM pipeline_latency") == kPipelines);
  CHECK(compare(c) == kPipelines);

  std::mt19937 rng(20);
  for (int round = 0; round < 12; ++round) {
    INFO("round " << round);
    for (int i = 0; i < 15; ++i) random_change(c, rng);
    compare(c);
    if (round % 3 == 2) {
      run_sql(c, "SELECT sluice_fold_latency()");
      compare(c);
    }
  }

  SECTION("when the 7 days move on, readers compute what the fold has not yet") {
    run_sql(c, "SELECT sluice_fold_latency(); UPDATE pipeline_latency SET from_day = from_day - 1");
    compare(c);
    run_sql(c, "SELECT sluice_fold_latency()");
    CHECK(count(c,
                "SELECT count(*) FROM pipeline_latency WHERE from_day IS DISTINCT FROM "
                "(now() AT TIME ZONE 'UTC')::date - 7") == 0);
    compare(c);
  }
  SECTION("a rebuild counts the same") {
    run_sql(c, "SELECT sluice_rebuild_latency()");
    CHECK(count(c, "SELECT count(*) FROM pipeline_latency_deltas") == 0);
    compare(c);
  }
  SECTION("TRUNCATE empties it") {
    run_sql(c, "TRUNCATE pipeline_records CASCADE");
    CHECK(count(c, "SELECT count(*) FROM window_latency_summary") == 0);
    CHECK(count(c, "SELECT count(*) FROM pipeline_latency_days") == 0);
  }
}

TEST_CASE("claims, heartbeats, failures and retention of old windows append no latency delta",
          "[store][latency]") {
  test::MigratedDatabase m;
  auto& c = *m.c;
  hourly_windows(c, 1, 401, 5, "interval '1 minute'");
  run_sql(c, "SELECT sluice_fold_latency()");
  const auto deltas = [&] { return count(c, "SELECT count(*) FROM pipeline_latency_deltas"); };
  store::Records records(c, "latency-test:1");
  const auto claimed = records.claim(
      std::vector<store::ClaimLimit>{{.pipeline = PipelineId{"p1"}, .live = 5, .backfill = 1}});
  REQUIRE(claimed);
  REQUIRE(claimed->has_value());
  CHECK(deltas() == 0);
  run_sql(c,
          "UPDATE pipeline_records SET heartbeat_at = now() WHERE pipeline_status = "
          "'IN_PROGRESS'");
  run_sql(c,
          "UPDATE pipeline_records SET pipeline_status = 'FAILED', pipeline_end_time = now() "
          "WHERE pipeline_status = 'IN_PROGRESS'");
  CHECK(deltas() == 0);
  // Windows older than the kept days: deleted without a trace.
  run_sql(c, "DELETE FROM pipeline_records WHERE window_end_time < now() - interval '10 days'");
  CHECK(deltas() == 0);
  // A finish inside them appends one.
  run_sql(c,
          "UPDATE pipeline_records SET pipeline_status = 'SUCCESS' WHERE id = (SELECT "
          "min(id) FROM pipeline_records WHERE pipeline_status = 'FAILED')");
  CHECK(deltas() == 1);
}

TEST_CASE("a fold computes 1,000 pipelines at most, readers compute the others meanwhile",
          "[store][latency]") {
  test::MigratedDatabase m;
  auto& c = *m.c;
  hourly_windows(c, 1100, 1, 0, "p * interval '1 second'");
  const auto current = [&] {
    return count(c,
                 "SELECT count(*) FROM pipeline_latency WHERE from_day = "
                 "(now() AT TIME ZONE 'UTC')::date - 7");
  };
  const auto answered = [&] {
    return count(c,
                 "SELECT count(*) FROM window_latency_summary WHERE windows = 1 AND "
                 "latency_max = substring(pipeline_id, 2)::int * interval '1 second'");
  };
  CHECK(answered() == 1100);
  run_sql(c, "SELECT sluice_fold_latency()");
  CHECK(current() == 1000);
  CHECK(count(c, "SELECT count(*) FROM pipeline_latency WHERE from_day IS NULL") == 100);
  CHECK(answered() == 1100);
  run_sql(c, "SELECT sluice_fold_latency()");
  CHECK(current() == 1100);
  CHECK(answered() == 1100);
  // A rebuild (the migration's fill) computes every pipeline at once.
  run_sql(c, "SELECT sluice_rebuild_latency()");
  CHECK(current() == 1100);
  CHECK(answered() == 1100);
}
