// F5 benchmarks: sluiced as a process on PostgreSQL (tests/bench/f5_bench.sh starts a
// private cluster and builds Release). Printed, never asserted.
//   due -> claim latency p50/p99, with notifications and, as the baseline, polling only
//   task end -> next claim p50/p99 and 40 sequential empty windows end to end
//   a backfill of one year of hourly empty windows, with where its time goes
//   idle daemon: CPU and RSS over SLUICE_BENCH_IDLE_SECONDS (30), with
//     SLUICE_BENCH_IDLE_PIPELINES (1) hourly pipeline files loaded, none of them due
// SLUICE_BENCH_PARTS (due,chain,backfill,idle) picks the parts to run.
#include <fcntl.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "framework/core/instant.hpp"
#include "tests/bench/support/windows.hpp"

using namespace sluice;
using namespace sluice::bench;
namespace fs = std::filesystem;

namespace {

// A daemon file and one pipeline over empty src/dst tables: windows of 1h from 2024-01-01,
// `windows` of them (0: none due, the start is in the future).
fs::path write_config(const fs::path& dir, int windows, int workers,
                      const std::string& scheduler_extra = "") {
  fs::create_directories(dir / "pipelines.d");
  std::ofstream(dir / "sluice.yaml")
      << "database:\n  url: ${env:SLUICE_DATABASE_URL}\nstage:\n  root: stage\n"
      << "workers: " << workers << "\nlog:\n  level: warn\nscheduler:\n"
      << "  poll_interval: 1s\n  heartbeat_interval: 5s\n"
      << scheduler_extra
      // A free port: another daemon on this host (a benchmark of another tree) may hold 8470.
      << "http:\n  listen: 127.0.0.1:0\n"
      << "connections:\n  db:\n    kind: postgres\n    url: ${env:SLUICE_DATABASE_URL}\n";
  const std::string start = windows > 0 ? "2024-01-01" : "2030-01-01";
  const std::string end = windows > 0 ? "\"2024-01-01T00:00:00Z\"" : "\"2030-01-02\"";
  std::ofstream(dir / "pipelines.d" / "bench.yaml")
      << "id: bench\nsource:\n  connection: db\n  table: src\n  time_column: event_time\n"
      << "target:\n  connection: db\n  table: dst\nschedule:\n  cron: \"0 * * * *\"\n"
      << "window:\n  granularity: 1h\n  start_date: \"" << start << "\"\n  end_date: "
      << (windows > 0 ? "\"" + date::format("%FT%TZ", kStart + std::chrono::hours(windows)) + "\""
                      : end)
      << "\nmax_active_windows: 1\n";
  return dir / "sluice.yaml";
}

std::string prepare(const std::string& server, const std::string& name) {
  const auto url = fresh_database(server, name);
  sql(url, "CREATE TABLE src (id int, event_time timestamptz); CREATE TABLE dst (LIKE src)");
  return url;
}

// `n` more pipeline files like bench.yaml (hourly, nothing due before 2030): an idle daemon
// loaded with many pipelines.
void write_idle_pipelines(const fs::path& dir, long n) {
  for (long i = 1; i < n; ++i)
    std::ofstream(dir / "pipelines.d" / ("idle_" + std::to_string(i) + ".yaml"))
        << "id: idle_" << i << "\nsource:\n  connection: db\n  table: src\n"
        << "  time_column: event_time\ntarget:\n  connection: db\n  table: dst\n"
        << "schedule:\n  cron: \"0 * * * *\"\nwindow:\n  granularity: 1h\n"
        << "  start_date: \"2030-01-01\"\n";
}

bool part(const char* name) {
  const std::string parts = "," + env_or("SLUICE_BENCH_PARTS", "due,chain,backfill,idle") + ",";
  return parts.find("," + std::string(name) + ",") != std::string::npos;
}

pid_t start_daemon(const std::string& sluiced, const fs::path& config, const std::string& url,
                   const fs::path& log) {
  setenv("SLUICE_DATABASE_URL", url.c_str(), 1);
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const pid_t pid = spawn({sluiced, "-c", config.string()}, -1, fd);
  ::close(fd);
  return pid;
}

void stop_daemon(pid_t pid) {
  kill(pid, SIGTERM);
  exited_ok(pid);
}

// The first column of every row, NULLs left out.
std::vector<double> column(const std::string& url, const std::string& statement) {
  std::vector<double> out;
  for (const auto& row : sql(url, statement))
    if (!row[0].is_null()) out.push_back(row[0].as<double>());
  return out;
}

bool wait_for(const std::string& url, const std::string& count_sql, std::int64_t want,
              double limit_s, std::chrono::milliseconds every = std::chrono::milliseconds(20)) {
  // One connection for the whole wait: a new one every 20 ms would cost the server a process
  // each, taken from the daemon it measures.
  const auto c = connect(url);
  const auto start = Clock::now();
  while (seconds_since(start) < limit_s) {
    if (pqxx::nontransaction(*c).exec(count_sql)[0][0].as<std::int64_t>() >= want) return true;
    std::this_thread::sleep_for(every);
  }
  return false;
}

// Inserts `n` due windows one by one, `gap` apart; returns claim - creation per window (ms).
std::vector<double> due_to_claim(const std::string& url, int n, std::chrono::milliseconds gap) {
  for (int i = 0; i < n; ++i) {
    sql(url,
        "INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, "
        "window_end_time, "
        "time_interval) VALUES ('bench', '2024-02-01', '2024-02-01'::timestamptz + " +
            std::to_string(i) + " * interval '1 hour', '2024-02-01'::timestamptz + " +
            std::to_string(i + 1) + " * interval '1 hour', '1h')");
    std::this_thread::sleep_for(gap);
  }
  wait_for(url,
           "SELECT count(*) FROM pipeline_records WHERE pipeline_status IN ('SUCCESS','SKIPPED')",
           n, 60);
  return column(url,
                "SELECT extract(epoch FROM e.started_at - r.record_first_created_time) * 1000 "
                "FROM pipeline_records r JOIN pipeline_events e ON e.record_id = r.id "
                "AND e.task = 'claim'");
}

// Where a backfill's time went, from its records and events: planning (the request until its
// last window existed), the first claim, the windows' own run (claim to end), and how busy
// the workers were (the windows' run time over workers x the span from first claim to last end).
void print_backfill_phases(const std::string& server, const std::string& url,
                           const ServerCounters& counters, double windows, int workers) {
  const auto rows =
      sql(url,
          "WITH b AS (SELECT requested_at FROM backfill_requests ORDER BY id LIMIT 1), "
          "w AS (SELECT r.record_first_created_time AS created, e.started_at AS claimed, "
          "             r.pipeline_end_time AS ended FROM pipeline_records r "
          "        JOIN pipeline_events e ON e.record_id = r.id AND e.task = 'claim' "
          "       WHERE r.trigger = 'backfill') "
          "SELECT extract(epoch FROM max(created) - b.requested_at), "
          "       extract(epoch FROM min(claimed) - b.requested_at), "
          "       extract(epoch FROM max(ended) - b.requested_at), "
          "       avg(extract(epoch FROM ended - claimed)) * 1000, "
          "       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ended - claimed)) "
          "         * 1000, "
          "       sum(extract(epoch FROM ended - claimed)) / " +
              std::to_string(workers) +
              " / nullif(extract(epoch FROM max(ended) - min(claimed)), 0) * 100 "
              "FROM w, b GROUP BY b.requested_at");
  if (rows.empty()) return;
  const auto row = rows[0];
  std::printf(
      "  phases: last window created at %.1f s, first claim at %.2f s, last end at %.1f s; "
      "claim to end per window: mean %.2f ms, p50 %.2f ms; workers busy %.0f%%\n",
      row[0].as<double>(0), row[1].as<double>(0), row[2].as<double>(0), row[3].as<double>(0),
      row[4].as<double>(0), row[5].as<double>(0));
  std::printf(
      "  %.2f statements, %.2f commits per window (the benchmark's own polling included); "
      "the costliest:\n",
      static_cast<double>(counters.statements) / windows,
      static_cast<double>(counters.commits) / windows);
  for (const auto& r :
       sql(server,
           "SELECT sum(s.calls)::float8 / " + std::to_string(windows) +
               ", sum(s.total_exec_time) / sum(s.calls), sum(s.total_exec_time) / 1000, "
               "left(regexp_replace(s.query, '\\s+', ' ', 'g'), 80) FROM pg_stat_statements s "
               "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'sluice_f5_backfill' "
               "AND s.toplevel GROUP BY s.query ORDER BY sum(s.total_exec_time) DESC LIMIT 8"))
    std::printf("    %5.2f x %7.3f ms = %6.2f s  %s\n", r[0].as<double>(), r[1].as<double>(),
                r[2].as<double>(), r[3].c_str());
}

std::pair<long, long> cpu_ticks_and_rss_kib(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::vector<std::string> f((std::istream_iterator<std::string>(rest)), {});
  const long ticks = std::stol(f.at(11)) + std::stol(f.at(12));  // utime + stime
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  long rss = 0;
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stol(line.substr(6));
  return {ticks, rss};
}

}  // namespace

int main() {
  const auto server = server_url_or_skip("f5_daemon");
  const std::string sluiced = env_or("SLUICE_BENCH_SLUICED", "build/bench/daemon/sluiced");
  const fs::path work = fs::path(env_or("SLUICE_BENCH_WORK_DIR", "/tmp")) / "f5";
  fs::remove_all(work);

  // 1. Due -> claim: with notifications, then polling only (notify triggers dropped).
  std::vector<double> latency[2];
  for (int polling = 0; polling < 2 && part("due"); ++polling) {
    const auto url = prepare(server, polling ? "sluice_f5_poll" : "sluice_f5_notify");
    if (polling) sql(url, "DROP TRIGGER pipeline_records_notify_insert ON pipeline_records");
    const auto dir = work / (polling ? "poll" : "notify");
    const pid_t pid = start_daemon(sluiced, write_config(dir, 1, 2), url, dir / "sluiced.log");
    wait_for(url, "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SKIPPED'", 1, 30);
    latency[polling] = due_to_claim(url, static_cast<int>(env_number("SLUICE_BENCH_DUE", 100)),
                                    std::chrono::milliseconds(polling ? 150 : 50));
    stop_daemon(pid);
  }
  if (part("due")) {
    std::printf("due -> claim (ms), notifications: p50 %.1f p99 %.1f (n=%zu; target p99 <= 100)\n",
                percentile(latency[0], 0.5), percentile(latency[0], 0.99), latency[0].size());
    std::printf("due -> claim (ms), polling every 1 s: p50 %.1f p99 %.1f; ratio of p50s %.1fx\n",
                percentile(latency[1], 0.5), percentile(latency[1], 0.99),
                percentile(latency[1], 0.5) / std::max(0.001, percentile(latency[0], 0.5)));
  }

  // 2. A sequential chain of 40 empty windows, one at a time.
  if (part("chain")) {
    const auto url = prepare(server, "sluice_f5_chain");
    const auto dir = work / "chain";
    const auto started = Clock::now();
    const pid_t pid = start_daemon(sluiced, write_config(dir, 40, 1), url, dir / "sluiced.log");
    wait_for(url,
             "SELECT count(*) FROM pipeline_records WHERE pipeline_status IN ('SUCCESS','SKIPPED')",
             40, 120);
    const double wall = seconds_since(started);
    stop_daemon(pid);
    const double span =
        sql(url,
            "SELECT extract(epoch FROM max(pipeline_end_time) - min(pipeline_start_time)) "
            "FROM pipeline_records")[0][0]
            .as<double>();
    const auto gaps =
        column(url,
               "SELECT extract(epoch FROM c.started_at - lag(r.pipeline_end_time) OVER "
               "(ORDER BY r.window_start_time)) * 1000 FROM pipeline_records r "
               "JOIN pipeline_events c ON c.record_id = r.id AND c.task = 'claim'");
    std::printf(
        "40 empty windows in sequence: %.2f s first claim to last end, %.2f s from daemon start "
        "(target <= 2 s)\n",
        span, wall);
    std::printf("task end -> next claim (ms): p50 %.1f p99 %.1f (n=%zu; target p99 <= 100)\n",
                percentile(gaps, 0.5), percentile(gaps, 0.99), gaps.size());
  }

  // 3. A backfill of one year of hourly windows (8,760, no rows), raised as a request row the
  // way an operator's SQL does; the schedule itself (catchup off) makes only its newest window.
  if (part("backfill")) {
    const auto url = prepare(server, "sluice_f5_backfill");
    const auto dir = work / "backfill";
    const auto config = write_config(dir, 0, 4, "  backfill_max_active_windows: 4\n");
    std::ofstream(dir / "pipelines.d" / "bench.yaml")
        << "id: bench\nsource:\n  connection: db\n  table: src\n  time_column: event_time\n"
        << "target:\n  connection: db\n  table: dst\nschedule:\n  cron: \"0 * * * *\"\n"
        << "window:\n  granularity: 1h\n  start_date: \"2023-01-01\"\n  catchup: false\n";
    const pid_t pid = start_daemon(sluiced, config, url, dir / "sluiced.log");
    wait_for(url, "SELECT count(*) FROM pipeline_records", 1, 30);
    ServerStats stats(server, "sluice_f5_backfill");
    stats.start();
    const long cpu_before = cpu_ticks_and_rss_kib(pid).first;
    const auto started = Clock::now();
    sql(url,
        "INSERT INTO backfill_requests (pipeline_id, from_time, to_time, reprocess) "
        "VALUES ('bench', '2023-01-01T00:00:00Z', '2024-01-01T00:00:00Z', 'missing')");
    const bool done = wait_for(url,
                               "SELECT count(*) FROM pipeline_records WHERE trigger = 'backfill' "
                               "AND pipeline_status IN ('SUCCESS','SKIPPED')",
                               8760, 600, std::chrono::milliseconds(100));
    const double wall = seconds_since(started);
    const double cpu = static_cast<double>(cpu_ticks_and_rss_kib(pid).first - cpu_before) /
                       static_cast<double>(sysconf(_SC_CLK_TCK));
    stop_daemon(pid);
    const auto counters = stats.finish();
    std::printf(
        "backfill of one year of hourly windows: %s %lld windows in %.1f s, %.0f windows/s, "
        "daemon CPU %.1f s (target <= 10 s)\n",
        done ? "all" : "NOT ALL of",
        static_cast<long long>(
            scalar(url,
                   "SELECT count(*) FROM pipeline_records WHERE trigger = 'backfill' "
                   "AND pipeline_status IN ('SUCCESS','SKIPPED')")),
        wall, 8760.0 / wall, cpu);
    print_backfill_phases(server, url, counters, 8760.0, 4);
  }

  // 4. Idle: nothing due, once the daemon registered every pipeline it loaded.
  if (part("idle")) {
    const auto url = prepare(server, "sluice_f5_idle");
    const auto dir = work / "idle";
    const long pipelines = env_number("SLUICE_BENCH_IDLE_PIPELINES", 1);
    const auto config = write_config(dir, 0, 4);
    write_idle_pipelines(dir, pipelines);
    const auto started = Clock::now();
    const pid_t pid = start_daemon(sluiced, config, url, dir / "sluiced.log");
    if (!wait_for(url, "SELECT count(*) FROM pipelines", pipelines, 600))
      std::printf("idle daemon: NOT ALL %ld pipelines registered within 600 s\n", pipelines);
    std::printf("idle daemon with %ld pipeline(s): loaded and registered in %.1f s\n", pipelines,
                seconds_since(started));
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const auto [t0, rss0] = cpu_ticks_and_rss_kib(pid);
    const long seconds = env_number("SLUICE_BENCH_IDLE_SECONDS", 30);
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    const auto [t1, rss1] = cpu_ticks_and_rss_kib(pid);
    stop_daemon(pid);
    const double cpu = 100.0 * static_cast<double>(t1 - t0) /
                       static_cast<double>(sysconf(_SC_CLK_TCK)) / static_cast<double>(seconds);
    std::printf(
        "idle daemon with %ld pipeline(s) over %ld s: CPU %.2f%% (target <= 1%%; <= 2%% with "
        "10,000 pipelines), RSS %.1f MiB (target <= 50; <= 200 with 10,000 pipelines)\n",
        pipelines, seconds, cpu, static_cast<double>(std::max(rss0, rss1)) / 1024.0);
  }
  return 0;
}
