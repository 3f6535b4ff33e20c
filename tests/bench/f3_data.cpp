// Data path of the chain: one window of N rows PostgreSQL -> local stage -> PostgreSQL by the
// runner (pre-validation counts, extract to the stage file, load, audit counts), against
// `psql -c "\copy (SELECT ...) to stdout" | psql -c "\copy dst from stdin"` moving the same
// rows (the source's own SELECT) into the same target table, on the same server. Each sluice
// run is a process of its own, so its peak RSS (ru_maxrss) is the worker's alone; it is shown
// at two window sizes to show that it does not grow with the window. Printed, never asserted.
#include <cstdio>
#include <filesystem>

#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "framework/observe/log.hpp"
#include "framework/time/zone.hpp"
#include "tasks/runner.hpp"
#include "tests/bench/bench_support.hpp"

using namespace sluice;
using namespace sluice::bench;
namespace fs = std::filesystem;

namespace {

constexpr const char* kDatabase = "sluice_bench_data";
constexpr const char* kColumns = "id, event_time, user_id, kind, amount, note";

struct Settings {
  std::string server;
  std::string url;  // of the benchmark's database
  fs::path stage;
  int repeats = 3;
};

struct Size {
  long rows;
  Window window;
};

struct Run {
  double seconds = 0;
  long rows = 0;
  double peak_rss_mib = 0;
};

// The source: an unlogged table (its WAL is not the subject), one hour per window size.
void create_tables(const Settings& s, const std::vector<Size>& sizes) {
  sql(s.url,
      std::string(
          "CREATE UNLOGGED TABLE src (id bigint, event_time timestamptz NOT NULL, user_id int, ") +
          "kind text, amount int, note text);"
          "CREATE TABLE dst (LIKE src); CREATE INDEX ON dst (event_time)");
  for (const auto& size : sizes) {
    const std::string n = std::to_string(size.rows);
    sql(s.url,
        "INSERT INTO src SELECT i, '" + format_utc(size.window.start) +
            "'::timestamptz + i * (interval '1 hour' / " + n +
            "), (i * 7919) % 1000, (ARRAY['view', 'click', 'purchase', 'refund'])[i % 4 + 1], "
            "CASE WHEN i % 4 >= 2 THEN (i * 31) % 10000 END, 'generated row ' || (i % 97) "
            "FROM generate_series(0::bigint, " +
            n + " - 1) i");
  }
  sql(s.url, "CREATE INDEX ON src (event_time)");
  sql(s.url, "VACUUM ANALYZE src");
}

// An empty target and a checkpoint, so every run starts from the same server state.
void reset_target(const Settings& s) {
  sql(s.url, "TRUNCATE dst");
  sql(s.url, "CHECKPOINT");
}

std::shared_ptr<tasks::PipelineRuntime> pipeline(const Settings& s, const Size& size,
                                                 const std::string& id) {
  auto p = std::make_shared<tasks::PipelineRuntime>();
  p->id = PipelineId{id};
  p->source_name = "bench_src";
  p->target_name = "bench_dst";
  p->source = adapters::postgres::make_source({s.url, std::nullopt, "src", "event_time"});
  p->target = adapters::postgres::make_target({s.url, "dst", "event_time"});
  p->stage = std::make_shared<adapters::LocalStage>(s.stage);
  p->windows.granularity = *time::Granularity::parse("1h");
  p->windows.zone = time::utc_zone();
  p->windows.start = size.window.start;
  p->windows.end = size.window.end;
  return p;
}

// One window through the runner, in a child process: its ru_maxrss is the worker's peak.
Run run_sluice(const Settings& s, const Size& size, const std::string& id) {
  reset_target(s);
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Run r;
    {
      tasks::RunnerOptions o;
      o.database_url = s.url;
      o.workers = 1;
      tasks::Runner runner(o, {pipeline(s, size, id)});
      if (runner.generate(kNow)) {
        const auto t0 = Clock::now();
        const auto summary = runner.drain();
        r.seconds = seconds_since(t0);
        r.rows = summary.success == 1 ? static_cast<long>(summary.rows) : -1;
      }
    }
    r.peak_rss_mib = peak_rss_mib();
    (void)!write(fds[1], &r, sizeof r);
    _exit(0);
  }
  close(fds[1]);
  Run r;
  if (read(fds[0], &r, sizeof r) != sizeof r) r.rows = -1;
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  const long loaded = scalar(s.url, "SELECT count(*) FROM dst");
  if (r.rows != size.rows || loaded != size.rows)
    std::printf("    [sluice run %s: %ld rows reported, %ld in the target, %ld expected]\n",
                id.c_str(), r.rows, loaded, size.rows);
  return r;
}

std::vector<std::string> psql(const std::string& url, const std::string& command) {
  return {"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", command};
}

Run run_psql_pipe(const Settings& s, const Size& size) {
  reset_target(s);
  const std::string select = adapters::postgres::window_select(
      {s.url, std::nullopt, "src", "event_time"}, size.window, true);
  const auto out = psql(s.url, "\\copy (" + select + ") to stdout");
  const auto in = psql(s.url, std::string("\\copy dst (") + kColumns + ") from stdin");
  const auto t0 = Clock::now();
  const bool ok = run_pipe(out, in);
  Run r{seconds_since(t0), scalar(s.url, "SELECT count(*) FROM dst"), 0};
  if (!ok || r.rows != size.rows)
    std::printf("    [psql pipe: %s, %ld rows in the target, %ld expected]\n", ok ? "ok" : "failed",
                r.rows, size.rows);
  return r;
}

void compare(const Settings& s, const Size& size) {
  std::vector<double> rss;
  std::string last_id;
  const double rows = static_cast<double>(size.rows);
  const Paired runs = run_paired(
      s.repeats,
      [&] {
        last_id = "data_" + std::to_string(size.rows) + "_" + std::to_string(rss.size());
        const Run r = run_sluice(s, size, last_id);
        rss.push_back(r.peak_rss_mib);
        return rows / r.seconds;
      },
      [&] { return rows / run_psql_pipe(s, size).seconds; });
  const double bytes = static_cast<double>(scalar(
      s.url, "SELECT coalesce(max(stage_bytes), 0) FROM pipeline_records WHERE pipeline_id = '" +
                 last_id + "'"));
  const double mb_per_row = bytes / rows / 1e6;
  const double sluice = median(runs.ours), baseline = median(runs.theirs);
  std::printf("data path, one window of %ld rows (%.0f MB as COPY text), median of %d:\n",
              size.rows, bytes / 1e6, s.repeats);
  std::printf(
      "  sluice   : %8.0f rows/s  %6.1f MB/s  [%s]  peak RSS %.1f MiB [%s] (target <= 64)\n",
      sluice, sluice * mb_per_row, list(runs.ours).c_str(),
      *std::max_element(rss.begin(), rss.end()), list(rss, 1).c_str());
  std::printf("  psql pipe: %8.0f rows/s  %6.1f MB/s  [%s]\n", baseline, baseline * mb_per_row,
              list(runs.theirs).c_str());
  runs.print("sluice/pipe");
  const auto tasks = sql(s.url,
                         "SELECT task, round(extract(epoch FROM ended_at - started_at)::numeric, "
                         "2) FROM pipeline_events "
                         "JOIN pipeline_records r ON r.id = record_id WHERE r.pipeline_id = '" +
                             last_id + "' AND task <> 'claim' ORDER BY started_at");
  std::printf("  sluice's last run by task:");
  for (const auto& t : tasks) std::printf(" %s %s s;", t[0].c_str(), t[1].c_str());
  std::printf("\n");
}

}  // namespace

int main() {
  observe::init_logging({spdlog::level::warn});
  Settings s;
  s.server = server_url_or_skip("f3_data");
  s.repeats = static_cast<int>(env_number("SLUICE_BENCH_REPEATS", 3));
  const fs::path work = env_or("SLUICE_BENCH_WORK_DIR", fs::temp_directory_path() / "sluice-bench");
  s.stage = work / "data-stage";
  fs::remove_all(s.stage);
  fs::create_directories(s.stage);
  const long big = env_number("SLUICE_BENCH_ROWS", 5'000'000);
  const long small = env_number("SLUICE_BENCH_SMALL_ROWS", 1'000'000);
  const std::vector<Size> sizes{
      {small, {kStart, kStart + std::chrono::hours(1)}},
      {big, {kStart + std::chrono::hours(1), kStart + std::chrono::hours(2)}}};
  try {
    s.url = fresh_database(s.server, kDatabase);
    const auto t0 = Clock::now();
    create_tables(s, sizes);
    std::printf("data path setup: %ld + %ld source rows in %.0f s\n", small, big,
                seconds_since(t0));
    for (const auto& size : sizes) compare(s, size);
    if (env_or("SLUICE_BENCH_KEEP", "").empty())
      sql(s.server, std::string("DROP DATABASE IF EXISTS ") + kDatabase + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::printf("f3_data failed: %s\n", e.what());
    return 1;
  }
}
