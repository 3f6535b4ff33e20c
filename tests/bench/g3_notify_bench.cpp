// G3 benchmark: the commit of a failing window -> its webhook received, p50/p99 over
// SLUICE_BENCH_FAILURES (200) failures, through a real sluiced (tests/bench/g3_notify_bench.sh
// builds Release and starts a private PostgreSQL). The same run without the outbox's NOTIFY
// (its trigger silenced: the delivery duty only wakes on its own timers) is the baseline that
// shows what LISTEN/NOTIFY buys. Failures come a few ms apart, so one message may carry
// several; each event listed in a message is timed. Printed, never asserted.
#include <signal.h>

#include <fcntl.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <date/date.h>

#include <nlohmann/json.hpp>

#include "tests/bench/support/measure.hpp"
#include "tests/bench/support/process.hpp"
#include "tests/bench/support/server.hpp"
#include "tests/support/http_test_server.hpp"

using namespace sluice;
using namespace sluice::bench;
namespace fs = std::filesystem;

namespace {

// `failures` hourly windows whose source does not exist: each fails for good at once, one
// after the other (one worker, one window at a time), each one webhook (no digest).
fs::path write_config(const fs::path& dir, int failures, const std::string& hook) {
  fs::create_directories(dir / "pipelines.d");
  std::ofstream(dir / "sluice.yaml")
      << "database:\n  url: ${env:SLUICE_DATABASE_URL}\nstage:\n  root: stage\n"
      << "workers: 1\nlog:\n  level: warn\nhttp:\n  enabled: false\nscheduler:\n"
      << "  poll_interval: 1s\n  heartbeat_interval: 5s\n"
      << "notifications:\n  digest_interval: 0s\n"
      << "connections:\n  db:\n    kind: postgres\n    url: ${env:SLUICE_DATABASE_URL}\n";
  std::ofstream(dir / "pipelines.d" / "bench.yaml")
      << "id: bench\nsource:\n  connection: db\n  table: no_such_table\n  time_column: t\n"
      << "target:\n  connection: db\n  table: dst\nschedule:\n  cron: \"0 * * * *\"\n"
      << "window:\n  granularity: 1h\n  start_date: \"2024-01-01\"\n  end_date: \""
      << date::format("%FT%TZ",
                      date::sys_days(date::year{2024} / 1 / 1) + std::chrono::hours(failures))
      << "\"\nmax_active_windows: 1\nnotifications:\n  webhooks:\n    - name: sink\n      url: "
      << hook << "\n";
  return dir / "sluice.yaml";
}

struct Run {
  std::vector<double> latency_ms;
  double wall_s = 0;
  std::size_t messages = 0;
};

Run measure(const std::string& server, const std::string& sluiced, const fs::path& work,
            int failures, bool notify) {
  const std::string name = notify ? "g3_notify" : "g3_poll";
  const auto url = fresh_database(server, name);
  sql(url, "CREATE TABLE dst (t timestamptz)");
  std::mutex mutex;
  std::map<std::int64_t, double> received;  // record id -> wall clock (epoch s) at arrival
  std::size_t messages = 0;
  std::int64_t covered = 0;  // events the messages covered; a digest lists only the first 50
  test::HttpTestServer sink([&](const test::HttpRequest& r) {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const auto body = nlohmann::json::parse(r.body);
    std::lock_guard lock(mutex);
    ++messages;
    covered += body["count"].get<std::int64_t>();
    for (const auto& e : body["events"])
      if (e["record_id"].is_number()) received.emplace(e["record_id"].get<std::int64_t>(), now);
    return test::HttpResponse::json("{}");
  });
  const auto dir = work / name;
  const auto config = write_config(dir, failures, sink.base_url() + "/hook");
  // The wake trigger made silent (dropping it would fail sluiced's schema check).
  if (!notify)
    sql(url,
        "CREATE OR REPLACE FUNCTION sluice_notification_wake() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$");
  setenv("SLUICE_DATABASE_URL", url.c_str(), 1);
  const int fd = ::open((dir / "sluiced.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const auto start = Clock::now();
  const pid_t pid = spawn({sluiced, "-c", config.string()}, -1, fd);
  ::close(fd);
  while (seconds_since(start) < 180) {
    {
      std::lock_guard lock(mutex);
      if (covered >= failures) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Run run;
  run.wall_s = seconds_since(start);
  kill(pid, SIGTERM);
  exited_ok(pid);
  std::lock_guard lock(mutex);
  run.messages = messages;
  for (const auto& row : sql(url,
                             "SELECT id, extract(epoch FROM pipeline_end_time) FROM "
                             "pipeline_records WHERE pipeline_status = 'FAILED'")) {
    const auto got = received.find(row[0].as<std::int64_t>());
    if (got != received.end()) run.latency_ms.push_back((got->second - row[1].as<double>()) * 1000);
  }
  return run;
}

void print(const char* title, const Run& r, int failures) {
  std::printf(
      "%-34s %4zu/%d received in %zu messages, %.1f s; latency p50 %7.1f ms, p99 %7.1f "
      "ms, max %7.1f ms\n",
      title, r.latency_ms.size(), failures, r.messages, r.wall_s, percentile(r.latency_ms, 0.5),
      percentile(r.latency_ms, 0.99), percentile(r.latency_ms, 1.0));
}

}  // namespace

int main() {
  init_bench_logging();
  const auto server = server_url_or_skip("g3_notify_bench");
  const std::string sluiced = env_or("SLUICE_BENCH_SLUICED", "build/bench/daemon/sluiced");
  const fs::path work = env_or("SLUICE_BENCH_WORK_DIR", "var/bench-work");
  const int failures = static_cast<int>(env_number("SLUICE_BENCH_FAILURES", 200));
  std::printf("== failing window committed -> webhook received (%d failures, one at a time)\n",
              failures);
  const auto with = measure(server, sluiced, work, failures, true);
  print("with NOTIFY sluice_notifications", with, failures);
  const auto without = measure(server, sluiced, work, failures, false);
  print("baseline: without NOTIFY", without, failures);
  if (!with.latency_ms.empty() && !without.latency_ms.empty())
    std::printf(
        "NOTIFY makes p50 %.1fx and p99 %.1fx faster\n",
        percentile(without.latency_ms, 0.5) / std::max(0.001, percentile(with.latency_ms, 0.5)),
        percentile(without.latency_ms, 0.99) / std::max(0.001, percentile(with.latency_ms, 0.99)));
  return 0;
}
