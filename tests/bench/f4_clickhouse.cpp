// ClickHouse, one large window each way, printed, never asserted. Three paired measures:
// - target, whole chain: PostgreSQL -> stage -> ClickHouse by the runner (pre-validation
//   counts, DELETE of the window, the extract streamed into the stage file and the INSERT at
//   once, audit counts) against the plain tools doing the same transfer,
//   `psql -c "\copy (SELECT ...) TO STDOUT" | curl -T - '.../?query=INSERT ... FORMAT
//   TabSeparated'`;
// - target, load alone: Target::load from the stage file (what a retry does) against
//   `curl --data-binary @file` posting the same COPY text;
// - source: ClickHouse -> stage -> PostgreSQL by the runner against `curl '...SELECT ...
//   FORMAT TabSeparated' | psql -c "\copy dst FROM STDIN"`.
// Each sluice run is a child process, so its peak RSS is the worker's alone; curl's is shown
// too (with @file it reads the whole file into memory).
#include <sys/resource.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/http/request.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "framework/observe/log.hpp"
#include "framework/time/zone.hpp"
#include "tasks/runner.hpp"
#include "tests/bench/support/windows.hpp"

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

constexpr const char* kColumns = "id, event_time, user_id, kind, amount, note";

struct PeakRss {
  std::vector<double> chain, load, curl, source;
} rss;

adapters::WindowContext load_context(const Settings& s) {
  return {PipelineId{"f4_ch_load"}, s.window, RunId{"manual__bench"}};
}

std::string window_select(const Settings& s) {
  return adapters::postgres::window_select({s.pg_url, std::nullopt, "src", "event_time"}, s.window,
                                           true);
}

ch::ConnectionOptions ch_connection(const Settings& s) {
  ch::ConnectionOptions o;
  o.url = s.ch_url;
  o.compression = false;  // a local server: compressing would only cost CPU
  return o;
}

ch::SourceOptions ch_source(const Settings& s) {
  return {.connection = ch_connection(s),
          .query = std::nullopt,
          .table = "bench_dst",
          .time_column = "event_time"};
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

std::shared_ptr<tasks::PipelineRuntime> reverse_pipeline(const Settings& s, const std::string& id) {
  auto p = pipeline(s, id);
  p->source_name = "bench_ch";
  p->target_name = "bench_pg";
  p->source = ch::make_source(ch_source(s));
  p->target = adapters::postgres::make_target({s.pg_url, "dst", "event_time"});
  return p;
}

void expect_rows(const char* what, bool ok, long reported, long held, long expected) {
  if (!ok || reported != expected || held != expected)
    std::printf("    [%s: %s, %ld rows reported, %ld in the target, %ld expected]\n", what,
                ok ? "ok" : "failed", reported, held, expected);
}

std::string insert_url(const Settings& s) {
  return s.ch_url + "/?date_time_input_format=best_effort&query=" +
         adapters::http::url_encode("INSERT INTO bench_dst (" + std::string(kColumns) +
                                    ") FORMAT TabSeparated");
}

std::vector<std::string> psql(const Settings& s, const std::string& command) {
  return {"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", s.pg_url, "-c", command};
}

// The window as COPY text: what the stage holds, what curl posts. Written through the stage
// too, for the load-alone runs.
fs::path write_window(const Settings& s) {
  const fs::path file = s.work / "window.tsv";
  const auto r =
      run_process(psql(s, "\\copy (" + window_select(s) + ") to '" + file.string() + "'"));
  if (!r.ok) throw std::runtime_error("psql \\copy failed: " + r.output);
  adapters::LocalStage stage(s.work / "stage");
  auto writer = stage.open_writer(load_context(s));
  if (!writer) throw std::runtime_error(writer.error().message);
  auto source = adapters::postgres::make_source({s.pg_url, std::nullopt, "src", "event_time"});
  if (auto n = source->extract(load_context(s), **writer); !n || *n != s.rows)
    throw std::runtime_error("staging the window failed");
  if (auto c = (*writer)->commit(); !c) throw std::runtime_error(c.error().message);
  return file;
}

double chain(const Settings& s, const std::string& id) {
  ch_sql(s, "TRUNCATE TABLE bench_dst");
  const WindowRun r = run_in_child(s.pg_url, pipeline(s, id));
  expect_rows(id.c_str(), r.rows >= 0, r.rows, ch_count(s), s.rows);
  rss.chain.push_back(r.peak_rss_mib);
  return static_cast<double>(s.rows) / r.seconds;
}

double psql_curl(const Settings& s) {
  ch_sql(s, "TRUNCATE TABLE bench_dst");
  const auto t0 = Clock::now();
  const bool ok = run_pipe(psql(s, "\\copy (" + window_select(s) + ") to stdout"),
                           {"curl", "-sS", "--fail", "-X", "POST", "-T", "-", insert_url(s)});
  const double seconds = seconds_since(t0);
  expect_rows("psql | curl", ok, s.rows, ch_count(s), s.rows);
  return static_cast<double>(s.rows) / seconds;
}

struct LoadRun {
  double seconds = 0;
  long rows = -1;
  double peak_rss_mib = 0;
};

double load_alone(const Settings& s) {
  ch_sql(s, "TRUNCATE TABLE bench_dst");
  const auto r = run_child([&] {
    LoadRun l;
    adapters::LocalStage stage(s.work / "stage");
    auto target = ch::make_target(
        {.connection = ch_connection(s), .table = "bench_dst", .time_column = "event_time"});
    const auto t0 = Clock::now();
    if (auto reader = stage.open_reader(load_context(s))) {
      if (auto n = target->load(load_context(s), **reader)) l.rows = static_cast<long>(n->rows);
    }
    l.seconds = seconds_since(t0);
    l.peak_rss_mib = peak_rss_mib();
    return l;
  });
  const LoadRun l = r.value_or(LoadRun{});
  expect_rows("Target::load", l.rows >= 0, l.rows, ch_count(s), s.rows);
  rss.load.push_back(l.peak_rss_mib);
  return static_cast<double>(s.rows) / l.seconds;
}

double curl_file(const Settings& s, const fs::path& file) {
  ch_sql(s, "TRUNCATE TABLE bench_dst");
  const CommandRun r =
      run_timed({"curl", "-sS", "--fail", "--data-binary", "@" + file.string(), insert_url(s)});
  expect_rows("curl --data-binary", r.ok, s.rows, ch_count(s), s.rows);
  rss.curl.push_back(r.peak_rss_mib);
  return static_cast<double>(s.rows) / r.seconds;
}

double source_chain(const Settings& s, const std::string& id) {
  sql(s.pg_url, "TRUNCATE dst");
  const WindowRun r = run_in_child(s.pg_url, reverse_pipeline(s, id));
  expect_rows(id.c_str(), r.rows >= 0, r.rows, scalar(s.pg_url, "SELECT count(*) FROM dst"),
              s.rows);
  rss.source.push_back(r.peak_rss_mib);
  return static_cast<double>(s.rows) / r.seconds;
}

double curl_psql(const Settings& s) {
  sql(s.pg_url, "TRUNCATE dst");
  const std::string select = ch::window_select(ch_source(s), s.window);
  const auto t0 = Clock::now();
  const bool ok = run_pipe(
      {"curl", "-sS", "--fail", "--data-binary", select + " FORMAT TabSeparated", s.ch_url + "/"},
      psql(s, "\\copy dst (" + std::string(kColumns) + ") from stdin"));
  const double seconds = seconds_since(t0);
  expect_rows("curl | psql", ok, s.rows, scalar(s.pg_url, "SELECT count(*) FROM dst"), s.rows);
  return static_cast<double>(s.rows) / seconds;
}

void print(const char* title, const Paired& runs, const char* ours, const char* theirs,
           double mb_per_row, const std::vector<double>& our_rss,
           const std::vector<double>& their_rss = {}) {
  std::printf("%s:\n", title);
  std::printf("  %-20s: %8.0f rows/s  %6.1f MB/s  [%s]  peak RSS %.1f MiB (target <= 64)\n", ours,
              median(runs.ours), median(runs.ours) * mb_per_row, list(runs.ours).c_str(),
              *std::max_element(our_rss.begin(), our_rss.end()));
  std::printf("  %-20s: %8.0f rows/s  %6.1f MB/s  [%s]", theirs, median(runs.theirs),
              median(runs.theirs) * mb_per_row, list(runs.theirs).c_str());
  if (!their_rss.empty())
    std::printf("  peak RSS %.1f MiB", *std::max_element(their_rss.begin(), their_rss.end()));
  std::printf("\n");
  runs.print((std::string(ours) + "/" + theirs).c_str());
}

void compare(const Settings& s) {
  const fs::path file = write_window(s);
  const double mb_per_row =
      static_cast<double>(fs::file_size(file)) / 1e6 / static_cast<double>(s.rows);
  std::printf("one window of %ld rows, %.0f MB as COPY text, ClickHouse %s, median of %d\n", s.rows,
              static_cast<double>(fs::file_size(file)) / 1e6,
              ch_sql(s, "SELECT version()").substr(0, 7).c_str(), s.repeats);
  int n = 0;
  const Paired target = run_paired(
      s.repeats, [&] { return chain(s, "f4_ch_" + std::to_string(n++)); },
      [&] { return psql_curl(s); });
  print("PostgreSQL -> stage -> ClickHouse, the whole chain", target, "sluice chain",
        "psql | curl -T -", mb_per_row, rss.chain);
  print_task_times(s.pg_url, "f4_ch_" + std::to_string(n - 1));
  const Paired load = run_paired(
      s.repeats, [&] { return load_alone(s); }, [&] { return curl_file(s, file); });
  print("stage file -> ClickHouse, the target's load alone", load, "Target::load",
        "curl --data-binary", mb_per_row, rss.load, rss.curl);
  // bench_dst holds the window now: the source direction reads it back.
  sql(s.pg_url,
      "CREATE TABLE IF NOT EXISTS dst (id bigint, event_time timestamptz NOT NULL, user_id int, "
      "kind text, amount int, note text); CREATE INDEX IF NOT EXISTS dst_time ON dst (event_time)");
  const Paired source = run_paired(
      s.repeats, [&] { return source_chain(s, "f4_ch_source_" + std::to_string(n++)); },
      [&] { return curl_psql(s); });
  print("ClickHouse -> stage -> PostgreSQL, the whole chain", source, "sluice chain", "curl | psql",
        mb_per_row, rss.source);
}

}  // namespace

int main() {
  init_bench_logging();
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
