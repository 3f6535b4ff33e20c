// sluiced releases a claim of its own that none of its workers holds (a claim whose COMMIT
// reached the server as the connection went: the daemon saw only the lost connection) after
// 3 heartbeat intervals, not after the stale threshold; another holder's claim is not its.
#include <signal.h>

#include <catch2/catch.hpp>

#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/files.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;

TEST_CASE("sluiced releases its own orphaned claim after 3 heartbeat intervals",
          "[e2e][daemon][orphans]") {
  test::TestDatabase db;
  auto c = test::prepared(
      db, "CREATE TABLE src (id int, event_time timestamptz); CREATE TABLE dst (LIKE src);");
  test::TempDir dir;
  test::DaemonSettings settings;  // heartbeat 1 s, stale threshold 1 h, cleanup every second
  test::write_daemon_file(dir.path(), settings);
  test::write_pipeline(dir.path(), "a", "src", "dst", "2024-01-01", "2024-01-01T02:00:00Z");
  test::DaemonProcess daemon(dir.path(), db.url());
  REQUIRE(test::eventually(
      [&] {
        return test::count(*c,
                           "SELECT count(*) FROM pipeline_records WHERE pipeline_status = "
                           "'SKIPPED'") == 2;
      },
      30s));
  const std::string holder =
      test::run_sql(*c, "SELECT locked_by FROM pipeline_records LIMIT 1")[0][0].as<std::string>();
  REQUIRE(holder.ends_with(":" + std::to_string(daemon.pid())));

  // The 00:00 window claimed in this daemon's name, the 01:00 one in another's; no worker of
  // either runs them.
  const std::string claimed_at =
      test::run_sql(*c,
                    "UPDATE pipeline_records SET pipeline_status = 'IN_PROGRESS', dag_run_id = "
                    "'scheduled__lost_reply', pipeline_locked_at = now(), heartbeat_at = now(), "
                    "pipeline_end_time = NULL, locked_by = CASE WHEN window_start_time = "
                    "'2024-01-01T00:00:00Z' THEN " +
                        c->quote(holder) + " ELSE 'other-host:1' END RETURNING now()::text")[0][0]
          .as<std::string>();
  // Status, attempts and run ID of the window starting at `hh_mm`.
  const auto window = [&](const std::string& hh_mm) {
    return test::run_sql(
               *c,
               "SELECT pipeline_status || ' ' || retry_attempt || ' ' || CASE WHEN dag_run_id = "
               "'scheduled__lost_reply' THEN dag_run_id ELSE 'fresh run' END FROM "
               "pipeline_records WHERE window_start_time = '2024-01-01T" +
                   hh_mm + ":00Z'")[0][0]
        .as<std::string>();
  };
  const auto released = [&] {
    return test::count(*c,
                       "SELECT count(*) FROM pipeline_events e JOIN pipeline_records r ON r.id = "
                       "e.record_id WHERE r.window_start_time = '2024-01-01T00:00:00Z' AND "
                       "e.dag_run_id = 'scheduled__lost_reply' AND e.outcome = 'RELEASED' AND "
                       "e.to_status = 'PENDING' AND e.message = 'released: orphaned claim of this "
                       "daemon'");
  };
  CHECK(test::eventually([&] { return released() == 1; }, 60s));
  // Not before its lease was 3 intervals old, by the database clock.
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipeline_events WHERE dag_run_id = "
                    "'scheduled__lost_reply' AND outcome = 'RELEASED' AND ended_at >= '" +
                        claimed_at + "'::timestamptz + interval '3 seconds'") == 1);
  // Then claimed again and run to its end, no attempt counted; another daemon's claim is
  // left to the stale threshold.
  const auto finished = [&] {
    const auto w = window("00:00");
    return w.starts_with("SUCCESS ") || w.starts_with("SKIPPED ");
  };
  CHECK(test::eventually(finished, 30s));
  CHECK(window("00:00").ends_with(" 0 fresh run"));
  CHECK(window("01:00") == "IN_PROGRESS 0 scheduled__lost_reply");
  daemon.signal(SIGTERM);
  const auto stopped = daemon.wait();
  const auto log = daemon.log();
  INFO(log);
  CHECK(stopped.exit_code == 0);
  CHECK(log.find("releasing the orphaned claim") != std::string::npos);
  CHECK(log.find("other-host") == std::string::npos);
}
