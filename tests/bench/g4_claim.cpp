// The claim with dependencies (G4): 200 pipelines in a four-level DAG over ~100,000 records,
// claimed by 1 and 4 workers, each claim followed by the window's SUCCESS (so children get
// unblocked as a real run would). The same database without `depends_on` is the baseline,
// run in the same process: claim p50/p99 and claims/s, and their ratios. Printed, never
// asserted; the target is p99 <= 20 ms and >= 0.5 of the baseline's claims/s.
//
// Knobs: SLUICE_BENCH_DATABASE_URL (a server where databases can be made), SLUICE_BENCH_CLAIMS
// (2000 per run), SLUICE_BENCH_HOURS (960 hourly windows per pipeline of the two hourly
// levels), SLUICE_BENCH_KEEP=1 (keep g4_template and g4_with, e.g. to EXPLAIN a claim).
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "framework/store/database.hpp"
#include "framework/store/dependencies.hpp"
#include "framework/store/migrations.hpp"
#include "framework/store/records.hpp"
#include "tests/bench/support/measure.hpp"

using namespace sluice;
using bench::Clock;

namespace {

constexpr int kWidth = 50;  // pipelines per level

std::string level_id(int level, int i) {
  static const char* const kNames[] = {"src", "int", "fct", "mv"};
  return fmt::format("{}_{:02}", kNames[level], i);
}

std::string with_database(const std::string& url, const std::string& name) {
  return url.substr(0, url.rfind('/') + 1) + name;
}

void exec(const std::string& url, const std::string& sql) {
  pqxx::connection c(url);
  pqxx::nontransaction tx(c);
  tx.exec(sql);
}

// Levels 0 and 1 hourly over `hours` hours, 2 and 3 daily over the same days. History is
// SUCCESS, the newest part PENDING, deeper levels further behind: level 0 has 96 hours left,
// level 1 144, level 2 and 3 seven and eight days. A third of each level's backlog is already
// claimable with dependencies; the rest waits on its parents.
void seed(const std::string& url, int hours) {
  std::string sql;
  const int days = hours / 24;
  for (int level = 0; level < 4; ++level) {
    const bool hourly = level < 2;
    const int windows = hourly ? hours : days;
    const int pending = hourly ? (level == 0 ? 96 : 144) : (level == 2 ? 7 : 8);
    const char* step = hourly ? "1 hour" : "1 day";
    for (int i = 0; i < kWidth; ++i) {
      sql += fmt::format(
          "INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, "
          "window_end_time, time_interval, pipeline_status) "
          "SELECT '{0}', '2024-01-01', '2024-01-01'::timestamptz + n * interval '{1}', "
          "'2024-01-01'::timestamptz + (n + 1) * interval '{1}', '{2}', "
          "CASE WHEN n < {3} THEN 'SUCCESS' ELSE 'PENDING' END "
          "FROM generate_series(0, {4}) n;",
          level_id(level, i), step, hourly ? "1h" : "1d", windows - pending, windows - 1);
    }
  }
  exec(url, sql);
}

std::vector<store::DependencyEdge> edges() {
  using std::chrono::hours;
  std::vector<store::DependencyEdge> out;
  for (int i = 0; i < kWidth; ++i) {
    out.push_back({level_id(1, i), level_id(0, i), "windows", hours(3)});
    out.push_back({level_id(2, i), level_id(1, i), "windows", hours(3)});
    out.push_back({level_id(2, i), level_id(1, (i + 1) % kWidth), "windows", hours(3)});
    out.push_back({level_id(3, i), level_id(2, i), "windows", hours(26)});
    out.push_back({level_id(3, i), level_id(2, (i + 7) % kWidth), "latest", hours(26)});
  }
  return out;
}

struct Figures {
  std::vector<double> latencies_ms;
  double seconds = 0;
  long claims = 0;
};

// `workers` threads claim until `claims` windows are taken or nothing is claimable; each
// claimed window is set SUCCESS at once (the triggers keep the frontier, as a real run's do).
Figures run(const std::string& url, int workers, long claims) {
  std::vector<store::ClaimLimit> list;
  for (int level = 0; level < 4; ++level)
    for (int i = 0; i < kWidth; ++i) list.push_back({PipelineId{level_id(level, i)}, 1000, 1000});
  const store::ClaimLimitSet limits(std::move(list));
  std::atomic<long> taken{0};
  std::vector<std::vector<double>> per(workers);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      auto c = store::connect(url, {"bench", 5});
      if (!c) return;
      store::Records records(**c, "bench:" + std::to_string(w));
      pqxx::connection done(url);
      done.prepare("done",
                   "UPDATE pipeline_records SET pipeline_status = 'SUCCESS', "
                   "pipeline_end_time = now() WHERE id = $1");
      while (taken < claims) {
        const auto t0 = Clock::now();
        auto r = records.claim(limits);
        per[w].push_back(bench::seconds_since(t0) * 1000);
        if (!r || !*r) break;
        ++taken;
        pqxx::nontransaction tx(done);
        tx.exec_prepared("done", (*r)->id.value);
      }
    });
  }
  for (auto& t : threads) t.join();
  Figures f;
  f.seconds = bench::seconds_since(start);
  f.claims = taken;
  for (auto& v : per) f.latencies_ms.insert(f.latencies_ms.end(), v.begin(), v.end());
  return f;
}

}  // namespace

int main() {
  bench::init_bench_logging();
  const std::string server = bench::env_or("SLUICE_BENCH_DATABASE_URL", "");
  if (server.empty()) {
    std::fprintf(stderr, "SLUICE_BENCH_DATABASE_URL is not set (tests/bench/g4_claim_bench.sh)\n");
    return 2;
  }
  const long claims = bench::env_number("SLUICE_BENCH_CLAIMS", 2000);
  const int hours = static_cast<int>(bench::env_number("SLUICE_BENCH_HOURS", 960));
  const bool keep = bench::env_number("SLUICE_BENCH_KEEP", 0) != 0;
  const std::string tmpl = with_database(server, "g4_template");
  exec(server, "DROP DATABASE IF EXISTS g4_template");
  exec(server, "CREATE DATABASE g4_template");
  {
    auto c = store::connect(tmpl, {"bench", 5});
    if (!c || !store::migrate(**c)) {
      std::fprintf(stderr, "could not migrate the template database\n");
      return 1;
    }
  }
  seed(tmpl, hours);
  exec(tmpl, "VACUUM ANALYZE");
  {
    pqxx::connection c(tmpl);
    pqxx::nontransaction tx(c);
    const auto n = tx.exec1("SELECT count(*) FROM pipeline_records")[0].as<long>();
    std::printf(
        "== 200 pipelines in 4 levels of 50, %ld records, %d hourly windows each on the "
        "two hourly levels\n",
        n, hours);
  }
  std::printf("%-26s %8s %10s %10s %10s %10s\n", "run", "workers", "claims", "claims/s", "p50 ms",
              "p99 ms");
  for (const int workers : {1, 4}) {
    double rate[2] = {0, 0}, p99[2] = {0, 0};
    for (const bool with_dependencies : {false, true}) {
      const std::string name = with_dependencies ? "g4_with" : "g4_without";
      exec(server, "DROP DATABASE IF EXISTS " + name);
      exec(server, "CREATE DATABASE " + name + " TEMPLATE g4_template");
      const std::string url = with_database(server, name);
      std::vector<std::string> ids;
      for (int level = 0; level < 4; ++level)
        for (int i = 0; i < kWidth; ++i) ids.push_back(level_id(level, i));
      {
        auto c = store::connect(url, {"bench", 5});
        const auto e = with_dependencies ? edges() : std::vector<store::DependencyEdge>{};
        if (!c || !store::register_dependencies(**c, ids, e)) return 1;
      }
      exec(url, "ANALYZE");
      const auto f = run(url, workers, claims);
      const int k = with_dependencies ? 1 : 0;
      rate[k] = static_cast<double>(f.claims) / f.seconds;
      p99[k] = bench::percentile(f.latencies_ms, 0.99);
      std::printf("%-26s %8d %10ld %10.0f %10.2f %10.2f\n",
                  with_dependencies ? "with depends_on" : "without (baseline)", workers, f.claims,
                  rate[k], bench::percentile(f.latencies_ms, 0.5), p99[k]);
      if (!keep) exec(server, "DROP DATABASE " + name);
    }
    std::printf(
        "   %d worker(s): claims/s with / without = %.2f (target >= 0.5); p99 with "
        "depends_on %.2f ms (target <= 20)\n",
        workers, rate[1] / rate[0], p99[1]);
  }
  if (!keep) exec(server, "DROP DATABASE g4_template");
  return 0;
}
