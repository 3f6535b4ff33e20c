// ClickHouse target: one large window PostgreSQL -> local stage -> ClickHouse by the runner
// (pre-validation counts, DELETE of the window, extract to the stage file and, at the same
// time, the streamed INSERT, audit counts), against `curl --data-binary @file
// '.../?query=INSERT ... FORMAT TabSeparated'` posting the same COPY text into the same table.
// Two ratios: the whole chain against curl, and the chain's load task alone against curl
// (the stage_to_target event: fed while the rows are extracted, it starts with the extract,
// and every run says whether it was streamed). Each sluice run is a child process, so its peak RSS is the worker's alone;
// curl's is shown too (it reads the whole file into memory). Printed, never asserted.
#include <sys/resource.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "framework/observe/log.hpp"
#include "framework/time/zone.hpp"
#include "tasks/runner.hpp"
#include "tests/bench/bench_support.hpp"

using namespace sluice;
using namespace sluice::bench;
namespace fs = std::filesystem;
namespace ch = sluice::adapters::clickhouse;

namespace {

constexpr const char* kDatabase = "sluice_bench_f4_clickhouse";

struct Settings {
  std::string pg_url;
  std::string ch_url;
  fs::path work;
  long rows = 0;
  int repeats = 3;
  Window window{kStart, kStart + std::chrono::hours(1)};
};

struct Run {
  double seconds = 0;
  double load_seconds = 0;  // the stage_to_target task alone
  bool streamed = false;    // the load was fed while staging (it began before staging ended)
  long rows = 0;
  double peak_rss_mib = 0;
};

ch::ConnectionOptions ch_connection(const Settings& s) {
  ch::ConnectionOptions o;
  o.url = s.ch_url;
  o.compression = false;  // a local server: compressing would only cost CPU
  return o;
}

std::string ch_sql(const Settings& s, const std::string& statement) {
  ch::Session session(ch_connection(s));
  auto r = session.execute(statement, "benchmark");
  if (!r) throw std::runtime_error(r.error().message);
  return *r;
}

long ch_count(const Settings& s) {
  return std::stol(ch_sql(s, "SELECT count() FROM bench_dst"));
}

void create_tables(const Settings& s) {
  sql(s.pg_url,
      "CREATE UNLOGGED TABLE src (id bigint, event_time timestamptz NOT NULL, user_id int, kind "
      "text, amount int, "
      "note text)");
  sql(s.pg_url,
      "INSERT INTO src SELECT i, '" + format_utc(s.window.start) +
          "'::timestamptz + i * (interval '1 hour' / " + std::to_string(s.rows) +
          "), (i * 7919) % 1000, (ARRAY['view', 'click', 'purchase', 'refund'])[i % 4 + 1], "
          "CASE WHEN i % 4 >= 2 THEN (i * 31) % 10000 END, 'generated row ' || (i % 97) "
          "FROM generate_series(0::bigint, " +
          std::to_string(s.rows) + " - 1) i");
  sql(s.pg_url, "CREATE INDEX ON src (event_time)");
  sql(s.pg_url, "VACUUM ANALYZE src");
  ch_sql(s, "DROP TABLE IF EXISTS bench_dst");
  ch_sql(s,
         "CREATE TABLE bench_dst (id Int64, event_time DateTime, user_id Nullable(Int32), kind "
         "Nullable(String), "
         "amount Nullable(Int32), note Nullable(String)) ENGINE = MergeTree PARTITION BY "
         "toDate(event_time) "
         "ORDER BY (event_time, id)");
}

std::shared_ptr<tasks::PipelineRuntime> pipeline(const Settings& s, const std::string& id) {
  auto p = std::make_shared<tasks::PipelineRuntime>();
  p->id = PipelineId{id};
  p->source_name = "bench_pg";
  p->target_name = "bench_ch";
  p->source = adapters::postgres::make_source({s.pg_url, std::nullopt, "src", "event_time"});
  p->target = ch::make_target(
      {.connection = ch_connection(s), .table = "bench_dst", .time_column = "event_time"});
  p->stage = std::make_shared<adapters::LocalStage>(s.work / "stage");
  p->windows.granularity = *time::Granularity::parse("1h");
  p->windows.zone = time::utc_zone();
  p->windows.start = s.window.start;
  p->windows.end = s.window.end;
  return p;
}

// One window through the runner in a child process: its ru_maxrss is the worker's peak.
Run run_sluice(const Settings& s, const std::string& id) {
  ch_sql(s, "TRUNCATE TABLE bench_dst");
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Run r;
    {
      tasks::RunnerOptions o;
      o.database_url = s.pg_url;
      o.workers = 1;
      tasks::Runner runner(o, {pipeline(s, id)});
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
  const auto load = sql(
      s.pg_url,
      "SELECT extract(epoch FROM l.ended_at - l.started_at), l.started_at < s.ended_at FROM "
      "pipeline_events l JOIN pipeline_events s USING (record_id) JOIN pipeline_records r ON "
      "r.id = l.record_id WHERE r.pipeline_id = '" +
          id +
          "' AND l.task = 'stage_to_target' AND s.task = 'source_to_stage' AND l.outcome = "
          "'SUCCESS' AND s.outcome = 'SUCCESS' ORDER BY l.started_at DESC LIMIT 1");
  r.load_seconds = load[0][0].as<double>();
  r.streamed = load[0][1].as<bool>();
  const long loaded = ch_count(s);
  if (r.rows != s.rows || loaded != s.rows)
    std::printf("    [sluice run %s: %ld rows reported, %ld in ClickHouse, %ld expected]\n",
                id.c_str(), r.rows, loaded, s.rows);
  return r;
}

// The window as COPY text, what the stage holds and what curl posts.
fs::path write_copy_file(const Settings& s) {
  const fs::path file = s.work / "window.tsv";
  const std::string select = adapters::postgres::window_select(
      {s.pg_url, std::nullopt, "src", "event_time"}, s.window, true);
  const auto r = run_process({"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", s.pg_url, "-c",
                              "\\copy (" + select + ") to '" + file.string() + "'"});
  if (!r.ok) throw std::runtime_error("psql \\copy failed: " + r.output);
  return file;
}

Run run_curl(const Settings& s, const fs::path& file) {
  ch_sql(s, "TRUNCATE TABLE bench_dst");
  const std::string url =
      s.ch_url + "/?date_time_input_format=best_effort&query=INSERT%20INTO%20bench_dst%20(" +
      std::string("id,event_time,user_id,kind,amount,note") + ")%20FORMAT%20TabSeparated";
  const auto t0 = Clock::now();
  const pid_t pid =
      spawn({"curl", "-sS", "--fail", "--data-binary", "@" + file.string(), url}, -1, -1, {});
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  Run r{seconds_since(t0), 0, ch_count(s), static_cast<double>(usage.ru_maxrss) / 1024.0};
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || r.rows != s.rows)
    std::printf("    [curl: exit %d, %ld rows in ClickHouse, %ld expected]\n", WEXITSTATUS(status),
                r.rows, s.rows);
  return r;
}

void compare(const Settings& s) {
  const fs::path file = write_copy_file(s);
  const double bytes = static_cast<double>(fs::file_size(file));
  const double rows = static_cast<double>(s.rows);
  std::vector<double> rss, curl_rss, load_rates;
  int streamed = 0;
  const Paired runs = run_paired(
      s.repeats,
      [&] {
        const Run r = run_sluice(s, "f4_ch_" + std::to_string(rss.size()));
        rss.push_back(r.peak_rss_mib);
        streamed += r.streamed ? 1 : 0;
        load_rates.push_back(rows / r.load_seconds);
        return rows / r.seconds;
      },
      [&] {
        const Run r = run_curl(s, file);
        curl_rss.push_back(r.peak_rss_mib);
        return rows / r.seconds;
      });
  Paired load = runs;
  load.ours = load_rates;
  for (std::size_t i = 0; i < load.ratios.size(); ++i)
    load.ratios[i] = load_rates[i] / runs.theirs[i];
  const double mb = bytes / 1e6 / rows;
  const double chain = median(runs.ours), loading = median(load_rates), curl = median(runs.theirs);
  std::printf(
      "PostgreSQL -> stage -> ClickHouse %s, one window of %ld rows (%.0f MB as COPY text), median "
      "of %d:\n",
      ch_sql(s, "SELECT version()").substr(0, 7).c_str(), s.rows, bytes / 1e6, s.repeats);
  std::printf(
      "  sluice chain      : %8.0f rows/s  %6.1f MB/s  [%s]  peak RSS %.1f MiB [%s] (target <= "
      "64)\n",
      chain, chain * mb, list(runs.ours).c_str(), *std::max_element(rss.begin(), rss.end()),
      list(rss, 1).c_str());
  std::printf("  sluice load task  : %8.0f rows/s  %6.1f MB/s  [%s]  streamed in %d of %zu runs\n",
              loading, loading * mb, list(load_rates).c_str(), streamed, load_rates.size());
  std::printf("  curl --data-binary: %8.0f rows/s  %6.1f MB/s  [%s]  peak RSS %.1f MiB\n", curl,
              curl * mb, list(runs.theirs).c_str(),
              *std::max_element(curl_rss.begin(), curl_rss.end()));
  runs.print("chain/curl");
  load.print("load/curl");
}

}  // namespace

int main() {
  observe::init_logging({spdlog::level::warn});
  Settings s;
  const std::string pg_server = server_url_or_skip("f4_clickhouse");
  s.ch_url = env_or("SLUICE_BENCH_CLICKHOUSE_URL", "");
  if (s.ch_url.empty()) {
    std::printf(
        "f4_clickhouse: skipped (SLUICE_BENCH_CLICKHOUSE_URL is not set; f4_clickhouse_bench.sh "
        "sets it)\n");
    return 0;
  }
  s.repeats = static_cast<int>(env_number("SLUICE_BENCH_REPEATS", 3));
  s.rows = env_number("SLUICE_BENCH_ROWS", 2'000'000);
  s.work = env_or("SLUICE_BENCH_WORK_DIR", fs::temp_directory_path() / "sluice-bench") +
           "/f4-clickhouse";
  fs::remove_all(s.work);
  fs::create_directories(s.work / "stage");
  try {
    s.pg_url = fresh_database(pg_server, kDatabase);
    const auto t0 = Clock::now();
    create_tables(s);
    std::printf("setup: %ld source rows in %.0f s\n", s.rows, seconds_since(t0));
    compare(s);
    if (env_or("SLUICE_BENCH_KEEP", "").empty()) {
      sql(pg_server, std::string("DROP DATABASE IF EXISTS ") + kDatabase + " WITH (FORCE)");
      ch_sql(s, "DROP TABLE IF EXISTS bench_dst");
    }
  } catch (const std::exception& e) {
    std::printf("f4_clickhouse failed: %s\n", e.what());
    return 1;
  }
  fs::remove_all(s.work);
}
