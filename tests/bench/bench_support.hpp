#pragma once
// What the benchmarks share: the server they run on, throw-away databases, child
// processes (pgbench, psql, curl, sluice's own work in a child), medians and the server's own
// counters (pg_stat_statements, pg_stat_database). Header only: every tests/bench/*.cpp is its own
// executable.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <date/date.h>
#include <pqxx/pqxx>

#include "framework/observe/log.hpp"
#include "framework/store/database.hpp"
#include "framework/store/migrations.hpp"
#include "tasks/runner.hpp"

namespace sluice::bench {

using Clock = std::chrono::steady_clock;

// The benchmarks' windows start here; `now` is a year later, so every window is due.
inline const Instant kStart = Instant{date::sys_days{date::year{2024} / 1 / 1}};
inline const Instant kNow = kStart + std::chrono::hours(24 * 365);

// Warnings only (a line per window is not what a benchmark measures); SLUICE_BENCH_DEBUG=1
// shows every task's debug line, with its time, to see where a run spends it.
inline void init_bench_logging() {
  observe::LogSettings logging;
  logging.level = std::getenv("SLUICE_BENCH_DEBUG") ? spdlog::level::debug : spdlog::level::warn;
  observe::init_logging(logging);
}

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

inline std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

inline long env_number(const char* name, long fallback) {
  return std::stol(env_or(name, std::to_string(fallback)));
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// `12 15 11`: every run's figure, beside the median.
inline std::string list(const std::vector<double>& v, int decimals = 0) {
  std::string out;
  for (double x : v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.*f", out.empty() ? "" : " ", decimals, x);
    out += buf;
  }
  return out;
}

// Rates of ours and theirs, `repeats` pairs run back to back in alternating order. On a
// shared machine the neighbours' load drifts over seconds to minutes, so the ratio within a
// pair, taken moments apart, is steadier than the ratio of two medians.
struct Paired {
  std::vector<double> ours, theirs, ratios;

  void print(const char* ratio_name) const {
    std::printf(
        "  ratio %s: %.2f, the median of the paired runs' ratios [%s] (ratio of the medians %.2f); "
        "target >= 0.8\n",
        ratio_name, median(ratios), list(ratios, 2).c_str(), median(ours) / median(theirs));
  }
};

template <class Ours, class Theirs>
Paired run_paired(int repeats, Ours ours, Theirs theirs) {
  Paired p;
  for (int i = 0; i < repeats; ++i) {
    double a = 0, b = 0;
    if (i % 2 == 0) {
      a = ours();
      b = theirs();
    } else {
      b = theirs();
      a = ours();
    }
    p.ours.push_back(a);
    p.theirs.push_back(b);
    p.ratios.push_back(a / b);
  }
  return p;
}

// The server the benchmarks use (f3_bench.sh starts a private one), or nothing: then the
// benchmark says so and exits 0, so tests/bench/run.sh still runs the others.
inline std::string server_url_or_skip(const char* bench) {
  const std::string url = env_or("SLUICE_BENCH_DATABASE_URL", "");
  if (url.empty()) {
    std::printf(
        "%s: skipped (SLUICE_BENCH_DATABASE_URL is not set; tests/bench/f3_bench.sh sets it)\n",
        bench);
    std::exit(0);
  }
  return url;
}

inline std::unique_ptr<store::Connection> connect(const std::string& url) {
  auto c = store::connect(url, {.application_name = "sluice-bench"});
  if (!c) throw std::runtime_error(c.error().message);
  return std::move(*c);
}

inline pqxx::result sql(const std::string& url, const std::string& statement) {
  auto c = connect(url);
  pqxx::nontransaction tx(*c);
  return tx.exec(statement);
}

inline std::int64_t scalar(const std::string& url, const std::string& statement) {
  return sql(url, statement)[0][0].as<std::int64_t>();
}

// A new, migrated database `name` on the server (an older one of that name is dropped),
// with pg_stat_statements installed. Returns its URL.
inline std::string fresh_database(const std::string& server_url, const std::string& name) {
  sql(server_url, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  sql(server_url, "CREATE DATABASE " + name);
  const std::string url = store::with_database(server_url, name);
  auto c = connect(url);
  if (auto r = store::migrate(*c); !r) throw std::runtime_error(r.error().message);
  pqxx::nontransaction(*c).exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  return url;
}

// Starts argv (execvp, no shell) with stdin from `in` and stdout and stderr to `out` (when
// not -1); `close_in_child` are descriptors the child must not keep (a pipe's other ends).
inline pid_t spawn(const std::vector<std::string>& argv, int in, int out,
                   std::vector<int> close_in_child = {}) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid > 0) return pid;
  if (in >= 0) dup2(in, STDIN_FILENO);
  if (out >= 0) {
    dup2(out, STDOUT_FILENO);
    if (out != STDOUT_FILENO) dup2(out, STDERR_FILENO);
  }
  for (int fd : close_in_child) close(fd);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  std::perror(args[0]);
  _exit(127);
}

inline bool exited_ok(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

struct ProcessResult {
  bool ok = false;
  std::string output;  // stdout and stderr
};

// Runs argv and collects what it prints.
inline ProcessResult run_process(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = spawn(argv, -1, fds[1], {fds[0], fds[1]});
  close(fds[1]);
  ProcessResult r;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    r.output.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  r.ok = exited_ok(pid);
  return r;
}

// `a | b`, as a shell runs it (b's output goes where ours does); true when both succeed.
inline bool run_pipe(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t left = spawn(a, -1, fds[1], {fds[0], fds[1]});
  const pid_t right = spawn(b, fds[0], -1, {fds[0], fds[1]});
  close(fds[0]);
  close(fds[1]);
  const bool left_ok = exited_ok(left);
  return exited_ok(right) && left_ok;
}

// The server's own view of the work done in one database between two snapshots.
struct ServerCounters {
  std::int64_t statements = 0;  // top-level statements executed (pg_stat_statements calls)
  std::int64_t commits = 0;     // pg_stat_database.xact_commit
  std::vector<std::pair<std::int64_t, std::string>> by_statement;  // calls, statement (shortened)
};

class ServerStats {
 public:
  ServerStats(std::string server_url, std::string database)
      : url_(std::move(server_url)), db_(std::move(database)) {}

  // Zeroes the statement counters and remembers xact_commit. Backends flush their counters
  // as they end, so every connection to the database must be closed, and given a moment.
  void start() {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    sql(url_, "SELECT pg_stat_statements_reset()");
    commits_ = commits();
  }

  ServerCounters finish() {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ServerCounters c;
    c.commits = commits() - commits_;
    const auto rows =
        sql(url_,
            // One row per statement text: the server may file a statement
            // under more than one query id.
            "SELECT sum(s.calls)::bigint, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90) "
            "FROM pg_stat_statements s "
            "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '" +
                db_ + "' AND s.toplevel GROUP BY s.query ORDER BY 1 DESC");
    for (const auto& r : rows) {
      c.statements += r[0].as<std::int64_t>();
      c.by_statement.emplace_back(r[0].as<std::int64_t>(), r[1].as<std::string>());
    }
    return c;
  }

 private:
  std::int64_t commits() const {
    return scalar(url_, "SELECT xact_commit FROM pg_stat_database WHERE datname = '" + db_ + "'");
  }

  std::string url_, db_;
  std::int64_t commits_ = 0;
};

inline void print_statements(const ServerCounters& c, double per, const char* indent = "      ") {
  for (const auto& [calls, text] : c.by_statement)
    std::printf("%s%6.2f x  %s\n", indent, static_cast<double>(calls) / per, text.c_str());
}

// Peak resident set of this process so far, in MiB.
inline double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

struct WindowRun {
  double seconds = 0;
  long rows = 0;  // -1 unless the window ended SUCCESS
  double peak_rss_mib = 0;
};

// Runs `work` in a child process of its own and hands back what it returned (trivially
// copyable, through a pipe), so that the child's ru_maxrss is that work's peak alone;
// nullopt when the child died first.
template <class Work>
auto run_child(Work work) -> std::optional<decltype(work())> {
  using Value = decltype(work());
  static_assert(std::is_trivially_copyable_v<Value>);
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    const Value v = work();
    (void)!write(fds[1], &v, sizeof v);
    _exit(0);
  }
  close(fds[1]);
  Value v{};
  const bool got = read(fds[0], &v, sizeof v) == sizeof v;
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  if (!got) return std::nullopt;
  return v;
}

// The seconds and peak RSS of a child running `command` (its output to ours).
struct CommandRun {
  bool ok = false;
  double seconds = 0;
  double peak_rss_mib = 0;
};

inline CommandRun run_timed(const std::vector<std::string>& command) {
  const auto t0 = Clock::now();
  const pid_t pid = spawn(command, -1, -1, {});
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  return {.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0,
          .seconds = seconds_since(t0),
          .peak_rss_mib = static_cast<double>(usage.ru_maxrss) / 1024.0};
}

// One pipeline's windows through the runner with one worker, in a child process of its own,
// so that its ru_maxrss is the worker's peak alone.
inline WindowRun run_in_child(const std::string& database_url,
                              const std::shared_ptr<tasks::PipelineRuntime>& pipeline) {
  const auto r = run_child([&] {
    WindowRun w;
    {
      tasks::RunnerOptions o;
      o.database_url = database_url;
      o.workers = 1;
      tasks::Runner runner(o, {pipeline});
      if (runner.generate(kNow)) {
        const auto t0 = Clock::now();
        const auto summary = runner.drain();
        w.seconds = seconds_since(t0);
        w.rows = summary.success == 1 ? static_cast<long>(summary.rows) : -1;
      }
    }
    w.peak_rss_mib = peak_rss_mib();
    return w;
  });
  return r.value_or(WindowRun{.seconds = 0, .rows = -1, .peak_rss_mib = 0});
}

// The seconds each task of the pipeline's last window took (tasks overlap when the target's
// load is fed during the extract).
inline void print_task_times(const std::string& url, const std::string& pipeline) {
  const auto tasks =
      sql(url,
          "SELECT task, round(extract(epoch FROM ended_at - started_at)::numeric, 2) FROM "
          "pipeline_events JOIN pipeline_records r ON r.id = record_id WHERE r.pipeline_id = '" +
              pipeline + "' AND task <> 'claim' ORDER BY started_at");
  std::printf("  sluice's last run by task:");
  for (const auto& t : tasks) std::printf(" %s %s s;", t[0].c_str(), t[1].c_str());
  std::printf("\n");
}

// sluice against a baseline moving the same window, paired runs: `ours(id)` runs the
// pipeline `id` (a new one each time, so each has its own record) and `theirs()` returns its
// seconds. Prints rows/s, MB/s (of the stage file, COPY text), sluice's peak RSS, the ratio
// and the last sluice run's time per task.
template <class Ours, class Theirs>
void compare_data_path(const std::string& url, const std::string& title, const char* baseline,
                       long rows, int repeats, const std::string& id_prefix, Ours ours,
                       Theirs theirs) {
  std::vector<double> rss;
  std::string last_id;
  const double n = static_cast<double>(rows);
  const Paired runs = run_paired(
      repeats,
      [&] {
        last_id = id_prefix + std::to_string(rss.size());
        const WindowRun r = ours(last_id);
        rss.push_back(r.peak_rss_mib);
        return n / r.seconds;
      },
      [&] { return n / theirs(); });
  const double bytes = static_cast<double>(scalar(
      url, "SELECT coalesce(max(stage_bytes), 0) FROM pipeline_records WHERE pipeline_id = '" +
               last_id + "'"));
  const double mb_per_row = bytes / n / 1e6;
  const double sluice = median(runs.ours), base = median(runs.theirs);
  std::printf("%s, one window of %ld rows (%.0f MB as COPY text), median of %d:\n", title.c_str(),
              rows, bytes / 1e6, repeats);
  std::printf("  %-14s: %8.0f rows/s  %6.1f MB/s  [%s]  peak RSS %.1f MiB [%s] (target <= 64)\n",
              "sluice", sluice, sluice * mb_per_row, list(runs.ours).c_str(),
              *std::max_element(rss.begin(), rss.end()), list(rss, 1).c_str());
  std::printf("  %-14s: %8.0f rows/s  %6.1f MB/s  [%s]\n", baseline, base, base * mb_per_row,
              list(runs.theirs).c_str());
  runs.print(("sluice/" + std::string(baseline)).c_str());
  print_task_times(url, last_id);
}

}  // namespace sluice::bench
