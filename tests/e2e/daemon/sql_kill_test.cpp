// kill -9 of sluiced while a SQL pipeline's insert runs (made slow on purpose), on PostgreSQL
// and on ClickHouse: the target's window holds its old rows or all of its new ones at every
// look, never a part or a mix, and once another daemon takes the window over after the stale
// threshold it ends SUCCESS with exactly the new rows.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include "tests/e2e/daemon/harness.hpp"
#include "tests/e2e/daemon/kill_takeover.hpp"
#include "tests/support/files.hpp"
#include "tests/support/test_clickhouse.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using test::Expect;
using test::judged;
using test::kill_and_take_over;

namespace {

std::string pipeline_yaml(const std::string& connection, const std::string& insert,
                          const std::string& target_extra) {
  return "id: facts\nkind: sql\ntarget:\n  connection: " + connection +
         "\n  table: facts\n  time_column: ts\n" + target_extra + "sql:\n  insert: " + insert +
         "\nschedule:\n  cron: \"0 * * * *\"\n  timezone: UTC\nwindow:\n  granularity: 1h\n"
         "  start_date: \"2024-01-01\"\n  end_date: \"2024-01-01T01:00:00Z\"\n"
         "retries:\n  max: 10\n  base_delay: 1s\n  max_delay: 2s\n";
}

}  // namespace

TEST_CASE("kill -9 during a SQL pipeline's window on PostgreSQL leaves no partial window",
          "[e2e][daemon][sql][kill]") {
  test::TestDatabase db;
  auto c = test::prepared(
      db,
      "CREATE TABLE src (id int, ts timestamptz, note text);"
      "CREATE TABLE facts (LIKE src);"
      "INSERT INTO src SELECT i, '2024-01-01'::timestamptz + i * interval '36 seconds', 'new' "
      "FROM generate_series(0, 99) i;"
      "INSERT INTO facts SELECT i, '2024-01-01'::timestamptz + i * interval '6 minutes', 'old' "
      "FROM generate_series(0, 4) i;"
      "CREATE FUNCTION slow_gate(s float8) RETURNS boolean LANGUAGE plpgsql VOLATILE AS "
      "$$ BEGIN PERFORM pg_sleep(s); RETURN true; END $$");
  test::TempDir dir;
  test::DaemonSettings settings;
  settings.stale_threshold = "3s";
  test::write_daemon_file(dir.path(), settings);
  test::write_file(dir.path() / "pipelines.d" / "facts.yaml",
                   pipeline_yaml("db",
                                 "\"INSERT INTO facts SELECT id, ts, note FROM src WHERE ts >= "
                                 ":window_start AND ts < :window_end AND (SELECT slow_gate(4))\"",
                                 ""));
  const Expect expect{5, 100};
  const auto look = [&] {
    const auto r = test::run_sql(*c,
                                 "SELECT count(*) FILTER (WHERE note = 'old'), count(*) FILTER "
                                 "(WHERE note = 'new') FROM facts WHERE ts < '2024-01-01T01:00Z'");
    return judged(r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>(), expect);
  };
  const auto inserting = [&] {
    return test::count(*c,
                       "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query "
                       "LIKE 'INSERT INTO facts%slow_gate%' AND pid <> pg_backend_pid()") == 1;
  };
  const auto seen = kill_and_take_over(db, *c, dir.path(), inserting, look, true);
  CHECK(seen == std::set<std::string>{"untouched", "whole"});
  CHECK(test::count(*c, "SELECT count(*) FROM facts") == 100);
}

TEST_CASE("kill -9 during a SQL pipeline's window on ClickHouse leaves no partial window",
          "[e2e][daemon][sql][kill]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  for (const bool replace : {true, false}) {
    DYNAMIC_SECTION((replace ? "load_method replace_partition" : "load_method delete_insert")) {
      test::TestDatabase db;
      auto c = test::prepared(db, "SELECT 1");
      ch->query_in_database("DROP TABLE IF EXISTS src");
      ch->query_in_database("DROP TABLE IF EXISTS facts");
      ch->query_in_database(
          "CREATE TABLE src (id UInt64, ts DateTime, note String) ENGINE = MergeTree ORDER BY ts");
      ch->query_in_database(
          "CREATE TABLE facts (id UInt64, ts DateTime, note String) ENGINE = MergeTree "
          "PARTITION BY toStartOfHour(ts) ORDER BY ts");
      ch->query_in_database(
          "INSERT INTO src SELECT number, toDateTime('2024-01-01 00:00:00', 'UTC') + number * 60, "
          "'new' FROM system.numbers LIMIT 30");
      ch->query_in_database(
          "INSERT INTO facts SELECT number, toDateTime('2024-01-01 00:00:00', 'UTC') + number * "
          "360, 'old' FROM system.numbers LIMIT 5");
      test::TempDir dir;
      test::DaemonSettings settings;
      settings.stale_threshold = "3s";
      settings.connections = "  ch:\n    kind: clickhouse\n    url: " + ch->url() +
                             "\n    database: " + ch->database() + "\n";
      test::write_daemon_file(dir.path(), settings);
      // 30 rows, a third of a second each, one per block (ClickHouse sleeps at most 3 seconds
      // a block): about 10 seconds of insert.
      test::write_file(
          dir.path() / "pipelines.d" / "facts.yaml",
          pipeline_yaml("ch",
                        "\"INSERT INTO facts SELECT id, ts, note FROM src WHERE ts >= "
                        ":window_start AND ts < :window_end AND sleepEachRow(0.33) = 0 "
                        "SETTINGS max_block_size = 1\"",
                        replace ? "  load_method: replace_partition\n  partition_expression: "
                                  "toStartOfHour(ts)\n"
                                : ""));
      const Expect expect{5, 30};
      const auto look = [&] {
        const auto body = ch->query_in_database(
            "SELECT countIf(note = 'old'), countIf(note = 'new') FROM facts WHERE ts < "
            "toDateTime('2024-01-01 01:00:00', 'UTC')");
        const auto tab = body.find('\t');
        return judged(std::stoll(body.substr(0, tab)), std::stoll(body.substr(tab + 1)), expect);
      };
      const auto inserting = [&] {
        return std::stoll(ch->query("SELECT count() FROM system.processes WHERE query LIKE "
                                    "'INSERT INTO `%__sluice_sql_%sleepEachRow%'")) == 1;
      };
      // delete_insert empties the window for a moment before the copy: only the dead
      // daemon's attempt is held to "untouched or whole" throughout.
      const auto seen = kill_and_take_over(db, *c, dir.path(), inserting, look, replace);
      CHECK(seen.count("whole") == 1);
      CHECK(seen.size() == 2);
      CHECK(std::stoll(ch->query_in_database("SELECT count() FROM facts")) == 30);
    }
  }
}
