// sluiced and `sluicectl run-once` free stale locks through one code path, with the config's
// thresholds: each pipeline's own, and the daemon's `stale_threshold` for the records of a
// pipeline the config no longer has (run-once used a fixed 2 hours for those, and for every
// pipeline it was not asked to run).
#include <signal.h>

#include <catch2/catch.hpp>

#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/ctl.hpp"
#include "tests/support/files.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

constexpr const char* kTables =
    "CREATE TABLE src (id int, event_time timestamptz); CREATE TABLE dst (LIKE src);";

// Locks held by a dead host: two stale under a 1-minute threshold (one of pipeline `b`, one
// of `gone`, which the config no longer has) and one fresh.
constexpr const char* kDeadLocks =
    "UPDATE pipeline_records SET pipeline_status = 'IN_PROGRESS', locked_by = 'dead:1', "
    "  dag_run_id = 'scheduled__dead', pipeline_locked_at = now() - interval '10 minutes', "
    "  heartbeat_at = now() - CASE WHEN window_start_time = '2024-01-01T01:00:00Z' "
    "    AND pipeline_id = 'b' THEN interval '20 seconds' ELSE interval '90 seconds' END "
    "WHERE pipeline_id IN ('b', 'gone')";

std::string records(store::Connection& c) {
  std::string out;
  for (const auto& row :
       test::run_sql(c,
                     "SELECT pipeline_id || ' ' || to_char(window_start_time AT TIME ZONE 'UTC', "
                     "'HH24:MI') || ' ' || pipeline_status || ' ' || retry_attempt "
                     "FROM pipeline_records ORDER BY pipeline_id, window_start_time"))
    out += row[0].as<std::string>() + "\n";
  return out;
}

}  // namespace

TEST_CASE("run-once and sluiced free the same stale locks after the configured thresholds",
          "[e2e][daemon][stale]") {
  test::TestDatabase db;
  auto c = test::prepared(db, kTables);
  test::TempDir dir;
  test::DaemonSettings settings;
  settings.stale_threshold = "1m";
  test::write_daemon_file(dir.path(), settings);
  for (const char* id : {"a", "b", "gone"})
    test::write_pipeline(dir.path(), id, "src", "dst", "2024-01-01", "2024-01-01T02:00:00Z");
  const std::string config = (dir.path() / "sluice.yaml").string();
  REQUIRE(test::run_ctl({"-c", config, "run-once"}, db.url()).exit_code == 0);
  REQUIRE(test::count(*c,
                      "SELECT count(*) FROM pipeline_records WHERE pipeline_status = "
                      "'SKIPPED'") == 6);
  // `b` stays configured but paused (nothing claims its freed windows); `gone` goes.
  test::write_pipeline(dir.path(), "b", "src", "dst", "2024-01-01", "2024-01-01T02:00:00Z",
                       "paused: true\n");
  std::filesystem::remove(dir.path() / "pipelines.d" / "gone.yaml");
  const std::string expected =
      "a 00:00 SKIPPED 0\n"
      "a 01:00 SKIPPED 0\n"
      "b 00:00 PENDING 1\n"
      "b 01:00 IN_PROGRESS 0\n"
      "gone 00:00 PENDING 1\n"
      "gone 01:00 PENDING 1\n";

  test::run_sql(*c, kDeadLocks);
  const auto once = test::run_ctl({"-c", config, "run-once", "a"}, db.url());
  INFO(once.out << once.err);
  CHECK(once.exit_code == 0);
  const std::string after_run_once = records(*c);
  CHECK(after_run_once == expected);

  test::run_sql(*c, std::string(kDeadLocks) + "; UPDATE pipeline_records SET retry_attempt = 0");
  test::DaemonProcess daemon(dir.path(), db.url());
  CHECK(test::eventually([&] { return daemon.log_contains("stale locks: 3 window(s)"); }, 20s));
  daemon.signal(SIGTERM);
  const auto stopped = daemon.wait();
  INFO(daemon.log());
  CHECK(stopped.exit_code == 0);
  CHECK(records(*c) == after_run_once);
}
