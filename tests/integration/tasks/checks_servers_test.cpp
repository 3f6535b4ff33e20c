// Data checks on each server that has them, through the real chain from YAML: a ClickHouse
// target (its window's NULLs, duplicates and sum against a PostgreSQL source's, an assertion
// query on ClickHouse), a MariaDB source's sum and assertion queries, and column names that
// must be quoted as identifiers (quotes, spaces, non-ASCII, a keyword) over hostile values.
#include <catch2/catch.hpp>

#include "tests/integration/adapters/clickhouse_cases.hpp"
#include "tests/support/config_run.hpp"
#include "tests/support/files.hpp"
#include "tests/support/mysql_database.hpp"

using namespace sluice;

namespace {

using test::kNow;

// `window` hourly windows from 2024-01-01, no retries.
std::string pipeline_yaml(const std::string& source, const std::string& target,
                          const std::string& checks, int windows) {
  return "id: checked\nsource:\n" + source + "target:\n" + target +
         "window:\n  granularity: 1h\n  start_date: 2024-01-01\n  end_date: 2024-01-01T0" +
         std::to_string(windows) + ":00:00Z\nretries:\n  max: 0\nchecks:\n" + checks;
}

std::shared_ptr<const tasks::PipelineRuntime> load(const test::ChainFixture& f,
                                                   const test::TempDir& dir,
                                                   const std::string& connections,
                                                   const std::string& pipeline,
                                                   const config::Environment& env) {
  test::write_file(dir.path() / "sluice.yaml",
                   "stage:\n  root: " + f.stage_root().string() +
                       "\nconnections:\n  warehouse:\n    kind: postgres\n    url: "
                       "${env:PG_URL}\n" +
                       connections);
  test::write_file(dir.path() / "pipelines.d" / "checked.yaml", pipeline);
  return test::runtime_of(test::load_test_config(dir.path() / "sluice.yaml", env));
}

std::int64_t checks(const test::ChainFixture& f, const std::string& where) {
  return f.count("SELECT count(*) FROM window_checks WHERE " + where);
}

}  // namespace

TEST_CASE("checks on a ClickHouse target: NULLs, duplicates, sums and an assertion query",
          "[integration][chain][checks][clickhouse]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  test::ChainFixture f;
  test::TempDir dir;
  test::ch_cases::seed_postgres(f, "src");
  ch->query(test::ch_cases::ch_table_ddl(ch->database() + ".dst", "toYYYYMMDD(event_time)"));
  const auto env = config::Environment::fixed({{"PG_URL", f.db().url()}, {"CH_URL", ch->url()}});
  const std::string window = "event_time >= :window_start AND event_time < :window_end";
  auto p = load(
      f, dir,
      "  ch:\n    kind: clickhouse\n    url: ${env:CH_URL}\n    database: " + ch->database() + "\n",
      pipeline_yaml("  connection: warehouse\n  table: src\n  time_column: event_time\n",
                    "  connection: ch\n  table: dst\n",
                    "  - {not_null: [note], severity: warn}\n"
                    "  - not_null: [id, event_time]\n"
                    "  - unique: [id]\n"
                    "  - {unique: [note], severity: warn}\n"
                    "  - sum_match: amount\n"
                    "  - {name: negative, sql: 'SELECT id, note FROM dst WHERE " +
                        window +
                        " AND amount < 0'}\n"
                        "  - {name: rows, sql: 'SELECT count() FROM dst WHERE " +
                        window + "', min: 1, max: 3}\n",
                    3),
      env);
  const auto summary = test::run_until_settled(f, p, kNow);
  INFO(f.error_messages());
  // Window 0 (ids 1-3, a NULL note and amount): warned. Window 1: empty, skipped as loaded.
  // Window 2 (ids 4-6): an amount below 0, which the error check fails.
  CHECK(summary.success == 1);
  CHECK(summary.skipped == 1);
  CHECK(summary.failed == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE window_start_time = "
                "'2024-01-01T00:00Z' AND pipeline_status = 'SUCCESS' AND audit_result = 'PASS'") ==
        1);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE window_start_time = "
                "'2024-01-01T02:00Z' AND pipeline_status = 'FAILED' AND audit_result = "
                "'CHECK_FAILED' AND error_message = 'integrity: check ''negative'' failed: 1 "
                "row; the first: (''6'', '''')'") == 1);
  CHECK(checks(f, "check_name = 'not_null_note' AND NOT passed AND observed = 1") == 1);
  CHECK(checks(f, "check_name = 'not_null_note' AND passed") == 1);
  CHECK(checks(f, "check_name IN ('not_null_id_event_time', 'unique_id') AND passed") == 4);
  // Window 2's notes are `line\nbreak...`, `\N` (text) and empty: all distinct.
  CHECK(checks(f, "check_name = 'unique_note' AND passed") == 2);
  // ClickHouse's Decimal sum against PostgreSQL's numeric: 3.75 and -3.35.
  CHECK(checks(f,
               "check_name = 'sum_match_amount' AND passed AND observed = 0 AND message LIKE "
               "'source sum of amount 3.75, target sum of amount 3.75:%'") == 1);
  CHECK(checks(f, "check_name = 'sum_match_amount' AND passed AND message LIKE '%-3.35%-3.35%'") ==
        1);
  CHECK(checks(f, "check_name = 'rows' AND passed AND observed = 3") == 2);
  CHECK(checks(f, "check_name = 'negative' AND NOT passed AND observed = 1") == 1);
}

TEST_CASE("column names are quoted as identifiers wherever a check uses them",
          "[integration][chain][checks]") {
  test::ChainFixture f;
  test::TempDir dir;
  f.exec(
      "CREATE TABLE hsrc (\"we\"\"ird col\" text, \"Total €\" numeric, \"select\" int, ts "
      "timestamptz NOT NULL); CREATE TABLE hdst (LIKE hsrc);"
      "INSERT INTO hsrc VALUES "
      "(E'tab\\t ünï \"q\" ''s''', 1.5, 1, '2024-01-01T00:10Z'),"
      "(NULL, 2.25, 2, '2024-01-01T00:20Z'),"
      "(E'back\\\\slash\\nline', NULL, 2, '2024-01-01T00:30Z')");
  const auto env = config::Environment::fixed({{"PG_URL", f.db().url()}});
  auto p =
      load(f, dir, "",
           pipeline_yaml(
               "  connection: warehouse\n  table: hsrc\n  time_column: ts\n",
               "  connection: warehouse\n  table: hdst\n",
               "  - {not_null: ['we\"ird col'], severity: warn}\n"
               "  - {unique: [select], severity: warn}\n"
               "  - unique: [\"Total €\", 'we\"ird col']\n"
               "  - sum_match: Total €\n"
               "  - {name: quoted, severity: warn, sql: 'SELECT \"we\"\"ird col\" FROM hdst WHERE "
               "ts >= :window_start AND ts < :window_end AND "
               "strpos(\"we\"\"ird col\", ''line'') > 0'}\n",
               1),
           env);
  const auto summary = test::run_until_settled(f, p, kNow);
  INFO(f.error_messages());
  CHECK(summary.success == 1);
  CHECK(checks(f,
               "check_name = 'not_null_we\"ird col' AND NOT passed AND observed = 1 AND "
               "message = '1 row of the window with NULL in we\"ird col'") == 1);
  CHECK(checks(f, "check_name = 'unique_select' AND NOT passed AND observed = 1") == 1);
  CHECK(checks(f, "check_name = 'unique_Total €_we\"ird col' AND passed") == 1);
  CHECK(checks(f,
               "check_name = 'sum_match_Total €' AND passed AND message LIKE 'source sum of "
               "Total € 3.75,%'") == 1);
  // The first row shown with its tab and newline escaped.
  CHECK(checks(f,
               "check_name = 'quoted' AND NOT passed AND observed = 1 AND message = "
               "'1 row; the first: (''back\\slash\\nline'')'") == 1);
}

TEST_CASE("a MariaDB source's sum, and assertion queries on MariaDB",
          "[integration][chain][checks][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  test::ChainFixture f;
  test::MysqlDatabase my;
  test::TempDir dir;
  my.exec(
      "CREATE TABLE src (id BIGINT, `Total €` DECIMAL(20,4), `we\"ird` TEXT, ts DATETIME(6) NOT "
      "NULL) CHARACTER SET utf8mb4");
  my.exec("INSERT INTO src VALUES (1, 10.5, " + test::mysql_literal("ünï 😀 'q' \"dq\"") +
          ", '2024-01-01 00:00:00'), (2, -0.25, NULL, '2024-01-01 00:30:00'), "
          "(3, 99999999999.9999, 'x', '2024-01-01 00:59:59.999999'), (4, 7, 'y', '2024-01-01 "
          "01:00:00')");
  f.exec(
      "CREATE TABLE mdst (id bigint, \"Total €\" numeric(20,4), \"we\"\"ird\" text, ts "
      "timestamptz NOT NULL)");
  const auto env = config::Environment::fixed({{"PG_URL", f.db().url()}, {"MYSQL_URL", my.url()}});
  auto p = load(f, dir, "  maria:\n    kind: mysql\n    url: ${env:MYSQL_URL}\n",
                pipeline_yaml("  connection: maria\n  table: src\n  time_column: ts\n",
                              "  connection: warehouse\n  table: mdst\n",
                              "  - sum_match: Total €\n"
                              "  - {name: maria_rows, connection: maria, sql: 'SELECT count(*) "
                              "FROM src WHERE ts >= :window_start AND ts < :window_end', min: 3, "
                              "max: 3}\n"
                              "  - {name: maria_nulls, connection: maria, severity: warn, sql: "
                              "'SELECT id, `we\"ird` FROM src WHERE ts >= :window_start AND ts < "
                              ":window_end AND `we\"ird` IS NULL'}\n",
                              1),
                env);
  const auto summary = test::run_until_settled(f, p, kNow);
  INFO(f.error_messages());
  CHECK(summary.success == 1);
  CHECK(checks(f,
               "check_name = 'sum_match_Total €' AND passed AND observed = 0 AND message LIKE "
               "'source sum of Total € 100000000010.2499, target sum of Total € "
               "100000000010.2499:%'") == 1);
  CHECK(checks(f, "check_name = 'maria_rows' AND passed AND observed = 3") == 1);
  CHECK(checks(f,
               "check_name = 'maria_nulls' AND NOT passed AND message = '1 row; the first: "
               "(''2'', NULL)'") == 1);
}

TEST_CASE(
    "checks on a MariaDB target: NULLs, duplicates, a sum against PostgreSQL's, an "
    "assertion query",
    "[integration][chain][checks][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  test::ChainFixture f;
  test::MysqlDatabase my;
  test::TempDir dir;
  f.exec(
      "CREATE TABLE msrc (id bigint, amount numeric(12,2), note text, ts timestamptz NOT NULL);"
      "INSERT INTO msrc VALUES (1, 1.25, E'ünï ''q'' \\t tab', '2024-01-01T00:10Z'),"
      "(2, 2.50, NULL, '2024-01-01T00:20Z'),"
      "(3, 3.00, 'x', '2024-01-01T01:10Z'), (3, 4.00, 'y', '2024-01-01T01:20Z')");
  my.exec(
      "CREATE TABLE dst (id BIGINT, amount DECIMAL(12,2), note TEXT, ts DATETIME(6) NOT NULL) "
      "CHARACTER SET utf8mb4");
  const auto env = config::Environment::fixed({{"PG_URL", f.db().url()}, {"MYSQL_URL", my.url()}});
  auto p = load(f, dir, "  maria:\n    kind: mysql\n    url: ${env:MYSQL_URL}\n",
                pipeline_yaml("  connection: warehouse\n  table: msrc\n  time_column: ts\n",
                              "  connection: maria\n  table: dst\n  time_column: ts\n",
                              "  - {not_null: [note], severity: warn}\n"
                              "  - unique: [id]\n"
                              "  - sum_match: amount\n"
                              "  - {name: big, severity: warn, sql: 'SELECT id, amount FROM dst "
                              "WHERE ts >= :window_start AND ts < :window_end AND amount > 3.5'}\n",
                              2),
                env);
  const auto summary = test::run_until_settled(f, p, kNow);
  INFO(f.error_messages());
  // Window 0: a NULL note, warned. Window 1: id 3 twice, which the error check fails.
  CHECK(summary.success == 1);
  CHECK(summary.failed == 1);
  CHECK(summary.retries == 0);
  CHECK(my.count("SELECT count(*) FROM dst") == 4);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE window_start_time = "
                "'2024-01-01T01:00Z' AND pipeline_status = 'FAILED' AND audit_result = "
                "'CHECK_FAILED' AND error_message LIKE 'integrity: check ''unique_id'' failed: "
                "1 duplicate row: 1 value of (id) appears more than once%'") == 1);
  CHECK(checks(f, "check_name = 'not_null_note' AND NOT passed AND observed = 1") == 1);
  CHECK(checks(f, "check_name = 'not_null_note' AND passed") == 1);
  CHECK(checks(f, "check_name = 'unique_id' AND passed") == 1);
  CHECK(checks(f, "check_name = 'unique_id' AND NOT passed AND observed = 1") == 1);
  // MariaDB's DECIMAL sum against PostgreSQL's numeric, each window.
  CHECK(checks(f,
               "check_name = 'sum_match_amount' AND passed AND message LIKE 'source sum of amount "
               "3.75, target sum of amount 3.75:%'") == 1);
  CHECK(checks(f, "check_name = 'big' AND passed") == 1);
  CHECK(checks(f,
               "check_name = 'big' AND NOT passed AND message = '1 row; the first: (''3'', "
               "''4.00'')'") == 1);
}
