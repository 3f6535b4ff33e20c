// sluiced against failures: PostgreSQL restarted mid-run, PostgreSQL crashing while empty
// windows end in batches, two daemons sharing one database, and a daemon killed with -9 whose
// windows another one takes over.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <thread>

#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/files.hpp"
#include "tests/support/private_cluster.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

// Whether the sessions of a daemon killed with -9 left the server within 10 s: a statement
// whose COMMIT was on the wire when the process died still commits, so a test counts after.
bool sessions_gone(store::Connection& c) {
  return test::eventually(
      [&] {
        return test::count(c,
                           "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND application_name IN ('sluiced', "
                           "'sluice-listen')") == 0;
      },
      10s);
}

}  // namespace

TEST_CASE("PostgreSQL restarted mid-run: sluiced reconnects and every window finishes exactly once",
          "[e2e][daemon][restart][threads]") {
  test::PrivateCluster pg(61000);
  test::TempDir dir;
  // 48 windows of 10 rows; each query on the view takes 50 ms, so windows are in flight when
  // the server goes. (The connection closes at once: none is held across the restart.)
  test::prepared(
      pg.url(),
      "CREATE TABLE src_data (id int, event_time timestamptz, note text);"
      "CREATE TABLE dst (LIKE src_data);"
      "INSERT INTO src_data SELECT i, '2024-01-01'::timestamptz + i * interval '6 minutes', 'x' "
      "FROM generate_series(0, 479) i;"
      "CREATE VIEW src AS SELECT d.* FROM src_data d, LATERAL (SELECT pg_sleep(0.05)) s");
  test::write_daemon_file(dir.path(), {});
  test::write_pipeline(dir.path(), "restart", "src", "dst", "2024-01-01", "2024-01-03");
  test::DaemonProcess daemon(dir.path(), pg.url());
  const auto finished = [&]() -> std::int64_t {
    auto c = store::connect(pg.url());
    if (!c) return -1;
    return test::count(**c,
                       "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS'");
  };
  REQUIRE(test::eventually([&] { return finished() >= 5; }, 30s));
  pg.stop();
  std::this_thread::sleep_for(2s);
  pg.start();
  // One window at a time, each about a second of pg_sleep: about 50 s on an idle machine,
  // more on a loaded one.
  const bool all_finished = test::eventually([&] { return finished() == 48; }, 180s);
  if (!all_finished) {
    // What the window that did not finish went through, and what the daemon said.
    auto d = store::connect(pg.url());
    REQUIRE(d);
    for (const char* sql :
         {"SELECT id, window_start_time, pipeline_status, retry_attempt, next_attempt_at, "
          "locked_by, pipeline_locked_at, heartbeat_at, phase_completed, error_message FROM "
          "pipeline_records WHERE pipeline_status <> 'SUCCESS'",
          "SELECT e.record_id, e.task, e.from_status, e.to_status, e.outcome, e.ended_at, "
          "e.message FROM pipeline_events e JOIN pipeline_records r ON r.id = e.record_id WHERE "
          "r.pipeline_status <> 'SUCCESS' ORDER BY e.id"})
      for (const auto& row : test::run_sql(**d, sql)) {
        std::string line;
        for (const auto& field : row)
          line += (field.is_null() ? "NULL" : field.c_str()) + std::string(" | ");
        WARN(line);
      }
    WARN(daemon.log());
  }
  CHECK(all_finished);
  auto c = store::connect(pg.url());
  REQUIRE(c);
  CHECK(test::count(**c, "SELECT count(*) FROM dst") == 480);
  CHECK(test::count(**c, "SELECT count(DISTINCT id) FROM dst") == 480);
  CHECK(test::count(
            **c, "SELECT count(*) FROM pipeline_records WHERE pipeline_status <> 'SUCCESS'") == 0);
  daemon.signal(SIGTERM);
  const auto r = daemon.wait();
  const auto log = daemon.log();
  INFO(log);
  CHECK(r.exit_code == 0);
  CHECK(log.find("database unreachable") != std::string::npos);
  CHECK(log.find("database reachable again") != std::string::npos);
  // Once per state change, not once per attempt.
  std::size_t lost = 0;
  for (auto at = log.find("database unreachable"); at != std::string::npos;
       at = log.find("database unreachable", at + 1))
    ++lost;
  CHECK(lost <= 2);
}

TEST_CASE(
    "PostgreSQL crashing while empty windows end in batches: after its recovery every window "
    "ends SKIPPED once",
    "[e2e][daemon][restart][threads]") {
  test::PrivateCluster pg(61002);
  test::TempDir dir;
  test::prepared(pg.url(),
                 "CREATE TABLE src (id int, event_time timestamptz, note text);"
                 "CREATE TABLE dst (LIKE src)");
  test::DaemonSettings settings;
  settings.stale_threshold = "5s";
  test::write_daemon_file(dir.path(), settings);
  // 720 empty hourly windows, claimed up to four at a time, their ends written together
  // without waiting for the WAL flush: the crash may take the last of them.
  test::write_pipeline(dir.path(), "empty", "src", "dst", "2024-01-01", "2024-01-31");
  test::DaemonProcess daemon(dir.path(), pg.url());
  const auto count = [&](const std::string& sql) -> std::int64_t {
    auto c = store::connect(pg.url());
    if (!c) return -1;
    return test::count(**c, sql);
  };
  const std::string skipped =
      "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SKIPPED'";
  REQUIRE(test::eventually([&] { return count(skipped) >= 100; }, 60s));
  pg.crash();
  std::this_thread::sleep_for(1s);
  pg.start();
  const bool all_ended = test::eventually([&] { return count(skipped) == 720; }, 120s);
  if (!all_ended) WARN(daemon.log());
  CHECK(all_ended);
  CHECK(count("SELECT count(*) FROM pipeline_records") == 720);
  // One end per window: an end the crash lost went with its event, and its window ran again.
  CHECK(count("SELECT count(*) FROM pipeline_events WHERE to_status = 'SKIPPED'") == 720);
  CHECK(count("SELECT count(DISTINCT record_id) FROM pipeline_events WHERE to_status = "
              "'SKIPPED'") == 720);
  CHECK(count("SELECT count(*) FROM pipeline_events e JOIN pipeline_records r ON r.id = "
              "e.record_id WHERE e.to_status = 'SKIPPED' AND e.dag_run_id <> r.dag_run_id") == 0);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait().exit_code == 0);
}

TEST_CASE("two daemons on one database process 300 windows, each exactly once",
          "[e2e][daemon][threads]") {
  test::TestDatabase db;
  auto c = test::prepared(
      db,
      "CREATE TABLE src (id int, event_time timestamptz, note text);"
      "CREATE TABLE dst_1 (LIKE src); CREATE TABLE dst_2 (LIKE src);"
      "INSERT INTO src SELECT i, '2024-01-01'::timestamptz + i * interval '30 minutes', 'x' "
      "FROM generate_series(0, 335) i");
  test::TempDir dir;
  test::DaemonSettings settings;
  settings.workers = 3;
  test::write_daemon_file(dir.path(), settings);
  // 168 + 132 = 300 windows.
  test::write_pipeline(dir.path(), "one", "src", "dst_1", "2024-01-01", "2024-01-08");
  test::write_pipeline(dir.path(), "two", "src", "dst_2", "2024-01-01", "2024-01-06T12:00:00Z");
  test::DaemonProcess first(dir.path(), db.url(), "first");
  test::DaemonProcess second(dir.path(), db.url(), "second");
  CHECK(test::eventually(
      [&] {
        return test::count(
                   *c, "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS'") ==
               300;
      },
      90s));
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_records") == 300);
  CHECK(test::count(*c, "SELECT count(*) FROM dst_1") == 336);
  CHECK(test::count(*c, "SELECT count(*) FROM dst_2") == 264);
  // Each window claimed once and loaded once.
  CHECK(test::count(
            *c,
            "SELECT count(*) FROM (SELECT record_id FROM pipeline_events WHERE task = 'claim' "
            "GROUP BY record_id HAVING count(*) > 1) x") == 0);
  CHECK(test::count(*c, "SELECT count(DISTINCT locked_by) FROM pipeline_records") == 2);
  first.signal(SIGTERM);
  second.signal(SIGTERM);
  CHECK(first.wait().exit_code == 0);
  CHECK(second.wait().exit_code == 0);
}

TEST_CASE("kill -9 of a daemon: another takes its window over after the stale threshold",
          "[e2e][daemon]") {
  test::TestDatabase db;
  auto c = test::prepared(db, test::slow_source_sql(1.5));
  test::TempDir dir;
  test::DaemonSettings settings;
  settings.stale_threshold = "3s";
  settings.heartbeat_interval = "1s";
  test::write_daemon_file(dir.path(), settings);
  test::write_pipeline(dir.path(), "slow", "src", "dst", "2024-01-01", "2024-01-01T02:00:00Z");
  const auto holder = [&] {
    const auto r = test::run_sql(
        *c,
        "SELECT pipeline_status || ' ' || coalesce(locked_by, '') FROM pipeline_records "
        "WHERE window_start_time = '2024-01-01T00:00:00Z'");
    return r.empty() ? std::string() : r[0][0].as<std::string>();
  };
  auto victim = std::make_unique<test::DaemonProcess>(dir.path(), db.url(), "victim");
  const std::string victim_pid = ":" + std::to_string(victim->pid());
  REQUIRE(test::eventually(
      [&] { return holder().starts_with("IN_PROGRESS") && holder().ends_with(victim_pid); }, 20s));
  victim->signal(SIGKILL);
  victim->wait();
  const auto killed = std::chrono::steady_clock::now();
  REQUIRE(sessions_gone(*c));
  // Both windows may be held: the second claim does not wait for the first window to end.
  const auto held =
      test::count(*c, "SELECT count(*) FROM pipeline_records WHERE locked_by LIKE '%" + victim_pid +
                          "' AND pipeline_status = 'IN_PROGRESS'");
  test::DaemonProcess heir(dir.path(), db.url(), "heir");
  const std::string heir_pid = ":" + std::to_string(heir.pid());
  CHECK(test::eventually(
      [&] { return holder().starts_with("SUCCESS ") && holder().ends_with(heir_pid); }, 30s));
  CHECK(std::chrono::steady_clock::now() - killed >= 3s);  // not before the lease expired
  CHECK(test::count(*c,
                    "SELECT retry_attempt FROM pipeline_records WHERE window_start_time = "
                    "'2024-01-01T00:00:00Z'") == 1);
  CHECK(test::count(*c, "SELECT count(*) FROM dst") == 1);
  heir.signal(SIGTERM);
  const auto r = heir.wait();
  INFO(heir.log());
  CHECK(r.exit_code == 0);
  CHECK(heir.log_contains("stale locks: " + std::to_string(held) + " window(s) back to PENDING"));
}

TEST_CASE(
    "kill -9 of a daemon claiming and ending empty windows in batches: another ends each of "
    "them once",
    "[e2e][daemon]") {
  test::TestDatabase db;
  auto c = test::prepared(db,
                          "CREATE TABLE src (id int, event_time timestamptz, note text);"
                          "CREATE TABLE dst (LIKE src)");
  test::TempDir dir;
  test::DaemonSettings settings;
  settings.stale_threshold = "3s";
  test::write_daemon_file(dir.path(), settings);
  // 1,440 empty hourly windows: claimed up to 32 at a time, their ends written together, so
  // the kill lands inside a batch (claimed, some ended, the rest not yet).
  test::write_pipeline(dir.path(), "empty", "src", "dst", "2024-01-01", "2024-03-01");
  const auto count = [&](const std::string& where) {
    return test::count(*c, "SELECT count(*) FROM pipeline_records WHERE " + where);
  };
  auto victim = std::make_unique<test::DaemonProcess>(dir.path(), db.url(), "victim");
  REQUIRE(test::eventually([&] { return count("pipeline_status = 'SKIPPED'") >= 200; }, 60s));
  victim->signal(SIGKILL);
  victim->wait();
  REQUIRE(sessions_gone(*c));
  const auto ended_by_victim = count("pipeline_status = 'SKIPPED'");
  const auto held = count("pipeline_status = 'IN_PROGRESS'");
  CHECK(held <= 32);
  test::DaemonProcess heir(dir.path(), db.url(), "heir");
  const bool all_ended =
      test::eventually([&] { return count("pipeline_status = 'SKIPPED'") == 1440; }, 120s);
  if (!all_ended) WARN(heir.log());
  CHECK(all_ended);
  CHECK(ended_by_victim < 1440);  // the kill came before the end
  CHECK(count("true") == 1440);
  // Each window ended once, by the run that held it last; an attempt counted only for those
  // the victim held (released by the stale-lock cleanup).
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_events WHERE to_status = 'SKIPPED'") ==
        1440);
  CHECK(test::count(*c,
                    "SELECT count(DISTINCT record_id) FROM pipeline_events WHERE to_status = "
                    "'SKIPPED'") == 1440);
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipeline_events e JOIN pipeline_records r ON r.id = "
                    "e.record_id WHERE e.to_status = 'SKIPPED' AND e.dag_run_id <> "
                    "r.dag_run_id") == 0);
  CHECK(count("retry_attempt > 0") == held);
  heir.signal(SIGTERM);
  CHECK(heir.wait().exit_code == 0);
}
