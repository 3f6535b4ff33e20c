// sluiced and error texts quoting foreign bytes: the windows fail with the bytes shown
// escaped, and the daemon never takes the failed write for a database outage.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>

#include "framework/core/utf8.hpp"
#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/files.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;

TEST_CASE("windows whose error quotes foreign bytes end FAILED, the other pipeline never waits",
          "[e2e][daemon][utf8]") {
  test::TestDatabase db;
  test::TempDir dir;
  auto conn = test::prepared(
      db,
      "CREATE TABLE src (id int, event_time timestamptz, note text);"
      "CREATE TABLE dst (LIKE src); CREATE TABLE dst_h (id bigint, event_time timestamptz);"
      "INSERT INTO src SELECT i, '2024-01-01'::timestamptz + i * interval '10 minutes', 'x' "
      "FROM generate_series(0, 35) i");
  // Three hourly files whose id is Latin-1 text with two bytes that are no UTF-8 at all.
  for (const char* hour : {"00", "01", "02"})
    test::write_file(
        dir.path() / "in" / (std::string(hour) + ".csv"),
        std::string("id,event_time\ncaf\xe9\xff\xfe,2024-01-01T") + hour + ":10:00Z\n");
  test::DaemonSettings settings;
  settings.extra = "log:\n  format: json\n";
  test::write_daemon_file(dir.path(), settings);
  {
    // The file connection after the daemon file's last section, `connections`.
    auto yaml = test::read_file(dir.path() / "sluice.yaml");
    yaml += "  files:\n    kind: file\n    root: " + dir.path().string() + "\n";
    test::write_file(dir.path() / "sluice.yaml", yaml);
  }
  test::write_pipeline(dir.path(), "orders", "src", "dst", "2024-01-01",
                       "2024-01-01T06:00:00+00:00");
  test::write_file(
      dir.path() / "pipelines.d" / "hostile.yaml",
      "id: hostile\nsource:\n  connection: files\n  path: \"in/{window_start:%H}.csv\"\n"
      "  time_column: event_time\ntarget:\n  connection: db\n  table: dst_h\n"
      "schedule:\n  cron: \"0 * * * *\"\n  timezone: UTC\nwindow:\n  granularity: 1h\n"
      "  start_date: \"2024-01-01\"\n  end_date: \"2024-01-01T03:00:00+00:00\"\n"
      "transform:\n  columns:\n    - name: id\n      cast: integer\n"
      "    - name: event_time\n      cast: timestamp\n"
      "retries:\n  max: 2\n  base_delay: 1s\n  max_delay: 1s\n");
  test::DaemonProcess daemon(dir.path(), db.url());
  const auto settled = [&] {
    return test::count(*conn,
                       "SELECT count(*) FROM pipeline_records WHERE pipeline_status IN "
                       "('SUCCESS', 'SKIPPED', 'FAILED')") == 9;
  };
  const bool done = test::eventually(settled, 60s);
  daemon.signal(SIGTERM);
  const auto r = daemon.wait();
  const auto log = daemon.log();
  INFO(log);
  REQUIRE(done);
  CHECK(r.exit_code == 0);
  CHECK(test::count(*conn,
                    "SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'orders' AND "
                    "pipeline_status = 'SUCCESS'") == 6);
  // Permanent: FAILED at the first attempt, the bytes shown escaped.
  CHECK(test::count(*conn,
                    "SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'hostile' AND "
                    "pipeline_status = 'FAILED' AND retry_attempt = 0 AND "
                    "strpos(error_message, '''caf\\xe9\\xff\\xfe''') > 0") == 3);
  CHECK(test::count(*conn,
                    "SELECT count(*) FROM pipeline_events WHERE task = 'claim' AND "
                    "pipeline_id = 'hostile'") == 3);
  CHECK(test::count(*conn, "SELECT count(*) FROM dst") == 36);
  CHECK_THAT(log, !Catch::Contains("database unreachable") && !Catch::Contains("released:"));
  CHECK(is_storable_text(log));
  CHECK_THAT(log, Catch::Contains("caf\\\\xe9\\\\xff\\\\xfe"));  // JSON-escaped backslashes
}
