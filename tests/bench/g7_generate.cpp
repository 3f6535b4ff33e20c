// G7 generation benchmark: one cron tick in which each of N pipelines (100, 1,000, 10,000)
// has one due window, on PostgreSQL (tests/bench/g7_generate_bench.sh starts a private
// cluster and builds Release). The product's tasks::generate_all, which reads the newest
// windows of many pipelines in one statement and inserts the records of many in one, against
// the baseline it replaced in the same run: generate_due one pipeline after another (a read
// of max(window_end_time) and an INSERT each, as one cron duty per pipeline did). Hourly ticks
// alternate between the two, each on history of finished windows. Prints ms per tick, statements
// per tick and the ratio; the target is <= 2 s per tick at 10,000 pipelines. Printed, never
// asserted.
//
// Knobs: SLUICE_BENCH_DATABASE_URL, SLUICE_BENCH_PIPELINES (100,1000,10000),
// SLUICE_BENCH_HISTORY (48 hours of finished windows per pipeline), SLUICE_BENCH_TICKS (3 pairs).
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "framework/store/errors.hpp"
#include "framework/store/records.hpp"
#include "framework/time/cron.hpp"
#include "tasks/runner.hpp"
#include "tasks/scheduling.hpp"
#include "tests/bench/support/server.hpp"

using namespace sluice;
using namespace sluice::bench;

namespace {

// The statements a store sends, by kind: what a tick costs in round trips.
class CountingStore final : public store::RecordStore {
 public:
  explicit CountingStore(store::RecordStore& inner) : inner_(inner) {}
  long statements = 0;

  Result<std::int64_t> insert_pending(std::span<const store::NewRecord> r) override {
    ++statements;
    return inner_.insert_pending(r);
  }
  Result<std::optional<Instant>> last_window_end(const PipelineId& p) override {
    ++statements;
    return inner_.last_window_end(p);
  }
  Result<std::vector<std::optional<Instant>>> last_window_ends(
      std::span<const PipelineId> p) override {
    ++statements;
    return inner_.last_window_ends(p);
  }
  Result<std::vector<std::pair<PipelineId, std::int64_t>>> insert_pending_each(
      std::span<const store::NewRecord> r) override {
    ++statements;
    return inner_.insert_pending_each(r);
  }
  Result<std::optional<store::Record>> claim(const store::ClaimLimitSet& l) override {
    return inner_.claim(l);
  }
  Result<bool> write_task(const store::Record& r, const store::TaskWrite& w) override {
    return inner_.write_task(r, w);
  }
  Result<bool> heartbeat(const store::Record& r) override { return inner_.heartbeat(r); }
  Result<store::CleanupReport> expire_stale_locks(std::span<const store::StaleLimit> l,
                                                  const store::StaleLimit& f) override {
    return inner_.expire_stale_locks(l, f);
  }
  Result<std::vector<store::Record>> own_unrenewed_locks(std::chrono::milliseconds age) override {
    return inner_.own_unrenewed_locks(age);
  }
  Result<std::optional<store::Record>> find(RecordId id) override { return inner_.find(id); }
  Result<std::int64_t> settle_backfill(const store::Record& r) override {
    return inner_.settle_backfill(r);
  }

 private:
  store::RecordStore& inner_;
};

// The store as it was before generation was batched: the newest window end by max(), which
// reads every scheduled record of the pipeline.
class MaxRecords final : public store::Records {
 public:
  MaxRecords(pqxx::connection& connection, std::string holder)
      : Records(connection, std::move(holder)), connection_(connection) {}
  Result<std::optional<Instant>> last_window_end(const PipelineId& pipeline) override {
    return store::attempt("reading the last window", [&]() -> std::optional<Instant> {
      pqxx::nontransaction tx(connection_);
      const auto rows = tx.exec_params(
          "SELECT extract(epoch FROM max(window_end_time))::bigint FROM "
          "pipeline_records WHERE pipeline_id = $1 AND trigger <> 'backfill'",
          pipeline.value);
      if (rows[0][0].is_null()) return std::nullopt;
      return Instant{Seconds{rows[0][0].as<std::int64_t>()}};
    });
  }

 private:
  pqxx::connection& connection_;
};

// Hourly pipelines in several zones (Kolkata's and Adelaide's half hours included), some
// with a stability lag and business fields: each has one window due per hourly tick.
tasks::Runtimes pipelines(int n, Instant start) {
  static const char* const kZones[] = {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata",
                                       "Australia/Adelaide"};
  const auto fields = time::FieldTemplate::parse("{pipeline}/{window_start:%Y/%m/%d/%H}").value();
  tasks::Runtimes out;
  for (int i = 0; i < n; ++i) {
    auto p = std::make_shared<tasks::PipelineRuntime>();
    p->id = PipelineId{fmt::format("bench_{:05}", i)};
    p->source_name = "src";
    p->target_name = "dst";
    p->windows.granularity = *time::Granularity::parse("1h");
    p->windows.zone = *time::locate_zone(kZones[i % 5]);
    p->windows.start = start;
    if (i % 2) p->windows.x_time_back = *time::parse_duration("5m");
    if (i % 3 == 0) p->business_fields.emplace("path", fields);
    out.push_back(std::move(p));
  }
  return out;
}

struct Tick {
  double ms = 0;
  long statements = 0;
  std::int64_t created = 0;
};

// The loop one cron duty per pipeline ran before: a read and an INSERT for each.
Tick one_by_one(MaxRecords& records, const tasks::Runtimes& all, Instant now) {
  CountingStore counting(records);
  Tick t;
  const auto start = Clock::now();
  for (const auto& p : all)
    if (auto n = tasks::generate_due(counting, *p, now, 1000)) t.created += *n;
  t.ms = seconds_since(start) * 1000;
  t.statements = counting.statements;
  return t;
}

Tick batched(store::RecordStore& records, const tasks::Runtimes& all, Instant now) {
  CountingStore counting(records);
  Tick t;
  const auto start = Clock::now();
  const auto report = tasks::generate_all(counting, all, now, {.batch = 1000});
  t.ms = seconds_since(start) * 1000;
  t.created = report.created;
  t.statements = counting.statements;
  return t;
}

std::vector<int> scales() {
  std::vector<int> out;
  std::stringstream list(env_or("SLUICE_BENCH_PIPELINES", "100,1000,10000"));
  for (std::string item; std::getline(list, item, ',');) out.push_back(std::stoi(item));
  return out;
}

}  // namespace

int main() {
  init_bench_logging();
  const auto server = server_url_or_skip("g7_generate");
  const long history = env_number("SLUICE_BENCH_HISTORY", 48);
  const int ticks = static_cast<int>(env_number("SLUICE_BENCH_TICKS", 3));
  // Ticks fall ten minutes past the hour, after every stability lag.
  const Instant now0 = Instant{date::sys_days{date::year{2025} / 1 / 1}} + std::chrono::minutes(10);
  std::printf("one cron tick, one due window per pipeline, %ld h of finished windows each\n",
              history);
  std::printf("%9s | %-38s | %-38s | %s\n", "pipelines", "batched: ms/tick (runs), statements",
              "one by one: ms/tick (runs), statements", "ratio");
  for (const int n : scales()) {
    const auto url = fresh_database(server, "sluice_g7_generate");
    auto connection = connect(url);
    store::Records records(*connection, "bench:1");
    MaxRecords before(*connection, "bench:1");
    const auto all = pipelines(n, now0 - std::chrono::hours(history));
    const auto seeded = Clock::now();
    const auto first = tasks::generate_all(records, all, now0, {.batch = 1000});
    const double catchup = seconds_since(seeded);
    sql(url, "UPDATE pipeline_records SET pipeline_status = 'SUCCESS'");
    sql(url, "VACUUM ANALYZE pipeline_records");
    int hour = 0;
    std::vector<Tick> ours, theirs;
    const Paired runs = run_paired(
        ticks,
        [&] {
          ours.push_back(batched(records, all, now0 + std::chrono::hours(++hour)));
          return ours.back().ms;
        },
        [&] {
          theirs.push_back(one_by_one(before, all, now0 + std::chrono::hours(++hour)));
          return theirs.back().ms;
        });
    for (const auto* list : {&ours, &theirs})
      for (const auto& t : *list)
        if (t.created != n)
          std::printf("  WARNING: a tick made %lld windows, not %d\n",
                      static_cast<long long>(t.created), n);
    std::printf("%9d | %9.0f (%-16s), %7ld | %9.0f (%-16s), %7ld | %.1fx faster (paired %s)\n", n,
                median(runs.ours), list(runs.ours).c_str(), ours.front().statements,
                median(runs.theirs), list(runs.theirs).c_str(), theirs.front().statements,
                median(runs.theirs) / median(runs.ours), list(runs.ratios, 3).c_str());
    std::printf("%9s   startup catch-up of %lld windows (%ld per pipeline): %.1f s batched\n", "",
                static_cast<long long>(first.created), history, catchup);
    // The daemon computes each pipeline's next fire on its event loop after every tick.
    const auto cron = time::Cron::parse("0 * * * *").value();
    const auto t0 = Clock::now();
    static volatile std::int64_t sink = 0;  // kept, so the loop is not optimised away
    for (const auto& p : all)
      sink = sink + cron.next_fire(now0, p->windows.zone)->time_since_epoch().count();
    std::printf("%9s   next cron fire of every pipeline: %.1f ms\n", "", seconds_since(t0) * 1000);
  }
  std::printf("target: <= 2000 ms per tick at 10,000 pipelines\n");
  return 0;
}
