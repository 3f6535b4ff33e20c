// Data path of the chain: one window of N rows PostgreSQL -> local stage -> PostgreSQL by the
// runner (pre-validation counts, extract to the stage file, load, audit counts), against
// `psql -c "\copy (SELECT ...) to stdout" | psql -c "\copy dst from stdin"` moving the same
// rows (the source's own SELECT) into the same target table, on the same server. Each sluice
// run is a process of its own, so its peak RSS (ru_maxrss) is the worker's alone; it is shown
// at two window sizes to show that it does not grow with the window. Both audit.target_count
// values are measured, each against the pipe: `recount` counts the target's window after the
// load, `loaded` takes COPY's own count. Printed, never asserted.
#include <cstdio>
#include <filesystem>

#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "framework/observe/log.hpp"
#include "framework/time/zone.hpp"
#include "tasks/runner.hpp"
#include "tests/bench/support/windows.hpp"

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

using Run = WindowRun;

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

// `loaded`: audit.target_count loaded (the audit takes the rows COPY reported), else recount.
std::shared_ptr<tasks::PipelineRuntime> pipeline(const Settings& s, const Size& size,
                                                 const std::string& id, bool loaded) {
  auto p = std::make_shared<tasks::PipelineRuntime>();
  p->audit_loaded_count = loaded;
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

Run run_sluice(const Settings& s, const Size& size, const std::string& id, bool loaded) {
  reset_target(s);
  const WindowRun r = run_in_child(s.url, pipeline(s, size, id, loaded));
  const long in_target = scalar(s.url, "SELECT count(*) FROM dst");
  if (r.rows != size.rows || in_target != size.rows)
    std::printf("    [sluice run %s: %ld rows reported, %ld in the target, %ld expected]\n",
                id.c_str(), r.rows, in_target, size.rows);
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

// Once per audit.target_count, each against the pipe in runs of its own.
void compare(const Settings& s, const Size& size) {
  for (const bool loaded : {false, true}) {
    const std::string count = loaded ? "loaded" : "recount";
    compare_data_path(
        s.url, "data path (audit.target_count: " + count + ")", "pipe", size.rows, s.repeats,
        "data_" + std::to_string(size.rows) + "_" + count + "_",
        [&](const std::string& id) { return run_sluice(s, size, id, loaded); },
        [&] { return run_psql_pipe(s, size).seconds; }, 0.9);
  }
}

}  // namespace

int main() {
  init_bench_logging();
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
