// kill -9 of sluiced while it loads a window into a MariaDB target (made slow on purpose, by a
// trigger that sleeps for each row): the window holds its old rows or all of its new ones at
// every look, never a part or a mix, and once another daemon takes the window over after the
// stale threshold it ends SUCCESS with exactly the new rows.
#include <catch2/catch.hpp>

#include "tests/e2e/daemon/harness.hpp"
#include "tests/e2e/daemon/kill_takeover.hpp"
#include "tests/support/files.hpp"
#include "tests/support/mysql_database.hpp"

using namespace sluice;

TEST_CASE("kill -9 during a MariaDB target's load leaves no partial window",
          "[e2e][daemon][mysql][kill]") {
  SLUICE_REQUIRE_MYSQL();
  test::TestDatabase db;
  auto c = test::prepared(
      db,
      "CREATE TABLE src (id int, event_time timestamptz NOT NULL, note text);"
      "INSERT INTO src SELECT i, '2024-01-01'::timestamptz + i * interval '36 seconds', 'new' "
      "FROM generate_series(0, 99) i");
  test::MysqlDatabase my;
  my.exec(
      "CREATE TABLE facts (id INT, event_time DATETIME(6) NOT NULL, note VARCHAR(10), "
      "KEY (event_time)) ENGINE = InnoDB");
  my.exec(
      "INSERT INTO facts SELECT seq, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq * 6 MINUTE, "
      "'old' FROM seq_0_to_4");
  // 100 rows, 60 ms each: about 6 seconds of LOAD DATA.
  my.exec(
      "CREATE TRIGGER slow_insert BEFORE INSERT ON facts FOR EACH ROW "
      "SET NEW.note = IF(SLEEP(0.06) = 0, NEW.note, NEW.note)");
  test::TempDir dir;
  test::DaemonSettings settings;
  settings.stale_threshold = "3s";
  settings.connections = "  maria:\n    kind: mysql\n    url: " + my.url() + "\n";
  test::write_daemon_file(dir.path(), settings);
  test::write_file(dir.path() / "pipelines.d" / "facts.yaml",
                   "id: facts\nsource:\n  connection: db\n  table: src\n  time_column: event_time\n"
                   "target:\n  connection: maria\n  table: facts\n"
                   "schedule:\n  cron: \"0 * * * *\"\n  timezone: UTC\nwindow:\n  granularity: 1h\n"
                   "  start_date: \"2024-01-01\"\n  end_date: \"2024-01-01T01:00:00Z\"\n"
                   "retries:\n  max: 10\n  base_delay: 1s\n  max_delay: 2s\n");
  const test::Expect expect{5, 100};
  // One statement, so that a commit between two counts cannot look like a mix.
  const auto look = [&] {
    const auto both = my.count(
        "SELECT COALESCE(SUM(note = 'old'), 0) * 1000 + COALESCE(SUM(note = 'new'), 0) "
        "FROM facts WHERE event_time < '2024-01-01 01:00:00'");
    return test::judged(both / 1000, both % 1000, expect);
  };
  const auto loading = [&] {
    return my.count(
               "SELECT count(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE "
               "'LOAD DATA LOCAL INFILE%' AND ID <> CONNECTION_ID()") == 1;
  };
  const auto seen = test::kill_and_take_over(db, *c, dir.path(), loading, look, true);
  CHECK(seen == std::set<std::string>{"untouched", "whole"});
  CHECK(my.count("SELECT count(*) FROM facts") == 100);
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' "
                    "AND audit_result = 'PASS' AND target_count = 100") == 1);
}
