// The claim with shared pools (G6): 500 pipelines in 50 pools of 2 slots over 100,000 records,
// claimed by 1 and 4 workers. Each worker keeps windows running (80 in flight in all, so most
// pools are full or one slot from it, as on a busy warehouse) and finishes its oldest one
// before each claim past that. The same database and workload without pools (and without
// priorities) is the baseline, run in the same process: claim p50/p99 and claims/s, and their
// ratios. Printed, never asserted; the target is p99 <= 20 ms and >= 0.5 of the baseline's
// claims/s. For reference, the same workload on the claim before pools (0013's, installed
// under another name) shows what the new claim costs a fleet that uses no pools.
//
// Knobs: SLUICE_BENCH_DATABASE_URL (a server where databases can be made), SLUICE_BENCH_CLAIMS
// (2000 per run), SLUICE_BENCH_IN_FLIGHT (80), SLUICE_BENCH_KEEP=1 (keep g6_template and
// g6_with, e.g. to EXPLAIN a claim).
#include <atomic>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "framework/store/database.hpp"
#include "framework/store/migrations.hpp"
#include "framework/store/records.hpp"
#include "tests/bench/support/measure.hpp"
#include "tests/bench/support/server.hpp"

using namespace sluice;
using bench::Clock;

namespace {

constexpr int kPipelines = 500;
constexpr int kPools = 50;
constexpr int kPoolSize = 2;
constexpr int kWindows = 200;  // per pipeline: 500 x 200 = 100,000 records
constexpr int kPending = 50;   // the newest ones; the others are history

std::string pipeline_id(int i) {
  return fmt::format("p_{:03}", i);
}

void seed(const std::string& url) {
  bench::sql(
      url, fmt::format("INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, "
                       "window_end_time, time_interval, pipeline_status) "
                       "SELECT format('p_%s', lpad(p::text, 3, '0')), '2024-01-01', "
                       "'2024-01-01'::timestamptz + n * interval '1 hour', "
                       "'2024-01-01'::timestamptz + (n + 1) * interval '1 hour', '1h', "
                       "CASE WHEN n < {0} THEN 'SUCCESS' ELSE 'PENDING' END "
                       "FROM generate_series(0, {1}) p, generate_series(0, {2}) n",
                       kWindows - kPending, kPipelines - 1, kWindows - 1));
}

// Pipeline i is in pool i % 50; every tenth takes both of its pool's slots; priorities 0-2.
std::vector<store::ClaimLimit> limits(bool pools) {
  std::vector<store::ClaimLimit> out;
  for (int i = 0; i < kPipelines; ++i) {
    store::ClaimLimit l{.pipeline = PipelineId{pipeline_id(i)}, .live = 1000, .backfill = 1000};
    if (pools) {
      l.pool = fmt::format("pool_{:02}", i % kPools);
      l.pool_slots = i % 10 == 0 ? 2 : 1;
      l.pool_size = kPoolSize;
      l.priority = i % 3;
    }
    out.push_back(std::move(l));
  }
  return out;
}

// 0013's sluice_claim as sluice_claim_0013, to compare the claim without pools before and after.
void install_previous_claim(const std::string& url) {
  for (const auto& m : store::embedded_migrations()) {
    if (m.version != 13) continue;
    const auto from = m.sql.find("CREATE FUNCTION sluice_claim(");
    const auto to = m.sql.find("$$;", from);
    std::string sql = m.sql.substr(from, to + 3 - from);
    sql.replace(0, std::string("CREATE FUNCTION sluice_claim(").size(),
                "CREATE FUNCTION sluice_claim_0013(");
    bench::sql(url, sql);
  }
}

struct Figures {
  std::vector<double> latencies_ms;
  double seconds = 0;
  long claims = 0, empty = 0;
};

// `workers` threads claim until `claims` windows are taken; each keeps up to in_flight /
// workers of its windows IN_PROGRESS and sets the oldest SUCCESS before claiming past that.
// A claim that finds nothing (every pool full) finishes one window and goes on.
enum class Claim { without, with_pools, previous };

Figures run(const std::string& url, int workers, long claims, int in_flight, Claim kind) {
  const store::ClaimLimitSet l = limits(kind == Claim::with_pools);
  std::vector<std::string> ids, live, versions;
  for (const auto& one : l.limits()) {
    ids.push_back(one.pipeline.value);
    live.push_back("1000");
    versions.push_back("0");
  }
  const std::string previous = "SELECT id FROM sluice_claim_0013('" + store::array_literal(ids) +
                               "', '" + store::array_literal(live) + "', '" +
                               store::array_literal(live) + "', '" +
                               store::array_literal(versions) + "', 'bench')";
  std::atomic<long> taken{0}, empty{0};
  std::vector<std::vector<double>> per(workers);
  const int hold = std::max(1, in_flight / workers);
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
      std::deque<std::int64_t> running;
      const auto finish_oldest = [&] {
        if (running.empty()) return;
        pqxx::nontransaction tx(done);
        tx.exec_prepared("done", running.front());
        running.pop_front();
      };
      while (taken < claims) {
        if (static_cast<int>(running.size()) >= hold) finish_oldest();
        const auto t0 = Clock::now();
        std::optional<std::int64_t> id;
        if (kind == Claim::previous) {
          pqxx::nontransaction tx(**c);
          const auto rows = tx.exec(previous);
          if (!rows.empty()) id = rows[0][0].as<std::int64_t>();
        } else {
          auto r = records.claim(l);
          if (!r) break;
          if (*r) id = (*r)->id.value;
        }
        per[w].push_back(bench::seconds_since(t0) * 1000);
        if (!id) {
          ++empty;
          if (running.empty()) break;
          finish_oldest();
          continue;
        }
        ++taken;
        running.push_back(*id);
      }
      while (!running.empty()) finish_oldest();
    });
  }
  for (auto& t : threads) t.join();
  Figures f;
  f.seconds = bench::seconds_since(start);
  f.claims = taken;
  f.empty = empty;
  for (auto& v : per) f.latencies_ms.insert(f.latencies_ms.end(), v.begin(), v.end());
  return f;
}

}  // namespace

int main() {
  bench::init_bench_logging();
  const std::string server = bench::server_url_or_skip("g6_pools");
  const long claims = bench::env_number("SLUICE_BENCH_CLAIMS", 2000);
  const int in_flight = static_cast<int>(bench::env_number("SLUICE_BENCH_IN_FLIGHT", 80));
  const bool keep = bench::env_number("SLUICE_BENCH_KEEP", 0) != 0;
  const std::string tmpl = bench::fresh_database(server, "g6_template");
  seed(tmpl);
  bench::sql(tmpl, "VACUUM ANALYZE");
  {
    pqxx::connection c(tmpl);
    pqxx::nontransaction tx(c);
    const auto n = tx.exec1("SELECT count(*) FROM pipeline_records")[0].as<long>();
    std::printf(
        "== %d pipelines in %d pools of %d slots (every tenth pipeline takes 2), %ld records, "
        "%d windows in flight\n",
        kPipelines, kPools, kPoolSize, n, in_flight);
  }
  std::printf("%-22s %8s %10s %10s %10s %10s %10s\n", "run", "workers", "claims", "empty",
              "claims/s", "p50 ms", "p99 ms");
  for (const int workers : {1, 4}) {
    double rate[3] = {0, 0, 0}, p99[3] = {0, 0, 0};
    for (const Claim kind : {Claim::without, Claim::with_pools, Claim::previous}) {
      const int k = static_cast<int>(kind);
      const char* names[] = {"g6_without", "g6_with", "g6_previous"};
      const char* labels[] = {"without (baseline)", "with pools", "0013 claim, no pools"};
      const std::string name = names[k];
      bench::sql(server, "DROP DATABASE IF EXISTS " + name);
      bench::sql(server, "CREATE DATABASE " + name + " TEMPLATE g6_template");
      const std::string url = store::with_database(server, name);
      if (kind == Claim::previous) install_previous_claim(url);
      bench::sql(url, "ANALYZE");
      const auto f = run(url, workers, claims, in_flight, kind);
      rate[k] = static_cast<double>(f.claims) / f.seconds;
      p99[k] = bench::percentile(f.latencies_ms, 0.99);
      std::printf("%-22s %8d %10ld %10ld %10.0f %10.2f %10.2f\n", labels[k], workers, f.claims,
                  f.empty, rate[k], bench::percentile(f.latencies_ms, 0.5), p99[k]);
      if (!keep) bench::sql(server, "DROP DATABASE " + name);
    }
    std::printf(
        "   %d worker(s): claims/s with / without = %.2f (target >= 0.5); p99 with pools "
        "%.2f ms (target <= 20); without pools, this claim / 0013's = %.2f\n",
        workers, rate[1] / rate[0], p99[1], rate[0] / rate[2]);
  }
  if (!keep) bench::sql(server, "DROP DATABASE g6_template");
  return 0;
}
