// MariaDB as a target through the real chain, from YAML: hostile values (NULL against the
// text `\N` and `NULL`, the empty string, unicode beyond the BMP, quotes, backslashes, tabs,
// newlines, carriage returns, form feeds, control characters, a long text, instants with
// offsets, bytes, booleans, decimals, bits) arrive exactly, on a server with sluice's defaults
// and on one whose defaults all differ (ANSI_QUOTES, NO_BACKSLASH_ESCAPES, latin1, +05:45);
// a window loaded again is replaced, not doubled; and a value the column cannot take fails
// the load with the server's warning, leaving the window as it was.
#include <catch2/catch.hpp>

#include "framework/adapters/mysql/statement.hpp"
#include "framework/store/operator.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/config_run.hpp"
#include "tests/support/files.hpp"
#include "tests/support/mysql_database.hpp"

using namespace sluice;

namespace {

constexpr const char* kSourceTable =
    "CREATE TABLE hostile (id int, event_time timestamptz NOT NULL, txt text, stamp timestamptz, "
    "raw bytea, flag boolean, num numeric(30,10), bits bit(3))";

// Nine rows in the window 2024-01-01 00:00 - 01:00, one in the next.
constexpr const char* kSourceRows =
    "INSERT INTO hostile VALUES "
    "(1, '2024-01-01 00:00:00+00', NULL, NULL, NULL, NULL, NULL, NULL),"
    "(2, '2024-01-01 00:01:00+00', '', '2024-03-04 23:30:00.123456+05:45', '\\x', true, 0, "
    " '101'),"
    "(3, '2024-01-01 00:02:00+00', 'ünïcödé ✓ 𝄞 😀 ß', '1999-12-31 23:59:59-08', "
    " '\\x00ff5c0a09', false, -123456789012345678.0123456789, '001'),"
    "(4, '2024-01-01 00:03:00+00', 'quotes '' \" ` and \\ backslash \\\\ two', "
    " '2038-01-19 03:14:07+00', '\\x5c4e', true, 0.0000000001, '111'),"
    "(5, '2024-01-01 00:04:00+00', E'tab\\there, newline\\nthere, cr\\rthere', NULL, "
    " '\\x0d0a', NULL, 1, NULL),"
    "(6, '2024-01-01 00:05:00+00', '\\N', NULL, '\\x5c4e', NULL, NULL, NULL),"
    "(7, '2024-01-01 00:06:00+00', 'NULL', NULL, NULL, NULL, NULL, NULL),"
    "(8, '2024-01-01 00:07:00+00', E'form\\ffeed, vertical\\vtab, ctrl\\x01, ctrl-Z\\x1a, "
    " bell\\x07, \\\\x41 not hex, \\\\101 not octal', NULL, NULL, NULL, NULL, NULL),"
    "(9, '2024-01-01 00:59:59.999999+00', repeat(E'long \\t\\\\ ✓ ', 20000), NULL, "
    " decode(repeat('00ff', 5000), 'hex'), NULL, NULL, NULL),"
    "(10, '2024-01-01 01:00:00+00', 'the next window', NULL, NULL, NULL, NULL, NULL)";

// The same columns in MariaDB: a DATETIME time column, a TIMESTAMP, a blob, a boolean.
constexpr const char* kTargetTable =
    "CREATE TABLE dst (id INT, event_time DATETIME(6) NOT NULL, txt MEDIUMTEXT, stamp "
    "TIMESTAMP(6) NULL, raw MEDIUMBLOB, flag BOOLEAN, num DECIMAL(30,10), bits BIT(3), "
    "KEY (event_time)) CHARACTER SET utf8mb4";

// Each row as text both sides agree on: hex of the text and bytes, UTC instants.
constexpr const char* kExpected =
    "SELECT concat_ws('|', id, to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD "
    "HH24:MI:SS.US'), coalesce(upper(encode(convert_to(txt, 'UTF8'), 'hex')), 'NULL'), "
    "coalesce(to_char(stamp AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), 'NULL'), "
    "coalesce(upper(encode(raw, 'hex')), 'NULL'), coalesce(flag::int::text, 'NULL'), "
    "coalesce(num::text, 'NULL'), coalesce(ltrim(bits::text, '0'), 'NULL')) FROM hostile WHERE "
    "event_time < '2024-01-01 01:00:00+00' ORDER BY id";
constexpr const char* kLoaded =
    "SELECT CONCAT_WS('|', id, DATE_FORMAT(event_time, '%Y-%m-%d %H:%i:%s.%f'), "
    "COALESCE(HEX(txt), 'NULL'), COALESCE(DATE_FORMAT(stamp, '%Y-%m-%d %H:%i:%s.%f'), 'NULL'), "
    "COALESCE(HEX(raw), 'NULL'), COALESCE(flag, 'NULL'), COALESCE(num, 'NULL'), "
    "COALESCE(BIN(bits), 'NULL')) FROM dst ORDER BY id";

std::vector<std::string> maria_rows(const test::MysqlDatabase& my, const std::string& sql) {
  auto c = adapters::mysql::Connection::open(my.params());
  REQUIRE(c);
  auto r = adapters::mysql::query_prepared(*c, sql, {});
  if (!r) FAIL(r.error().message);
  std::vector<std::string> out;
  for (const auto& row : *r) out.push_back(row[0].value_or("<NULL>"));
  return out;
}

struct Setup {
  test::ChainFixture f;
  test::TempDir dir;

  std::shared_ptr<const tasks::PipelineRuntime> pipeline(const test::MysqlDatabase& my) {
    test::write_file(dir.path() / "sluice.yaml",
                     "stage:\n  root: " + f.stage_root().string() +
                         "\nconnections:\n  warehouse:\n    kind: postgres\n    url: "
                         "${env:PG_URL}\n  shop:\n    kind: mysql\n    url: ${env:MYSQL_URL}\n");
    test::write_file(dir.path() / "pipelines.d" / "hostile.yaml",
                     "id: hostile\nsource:\n  connection: warehouse\n  table: hostile\n"
                     "  time_column: event_time\ntarget:\n  connection: shop\n  table: dst\n"
                     "window:\n  granularity: 1h\n  start_date: 2024-01-01\n"
                     "  end_date: 2024-01-01T01:00:00Z\nretries:\n  max: 1\n"
                     "  base_delay: 1s\n  max_delay: 1s\n");
    const auto env =
        config::Environment::fixed({{"PG_URL", f.db().url()}, {"MYSQL_URL", my.url()}});
    return test::runtime_of(test::load_test_config(dir.path() / "sluice.yaml", env));
  }

  std::vector<std::string> expected() {
    auto c = f.db().connect();
    std::vector<std::string> out;
    for (const auto& r : test::run_sql(*c, kExpected)) out.push_back(r[0].c_str());
    return out;
  }

  void rerun() {
    auto c = f.db().connect();
    store::Operator op(*c, "test");
    REQUIRE(op.rerun({.pipeline = PipelineId{"hostile"}}, Trigger::manual,
                     {.actor = "test", .command = "rerun"}, true) == 1);
  }
};

}  // namespace

TEST_CASE("MariaDB target: hostile values round-trip exactly, on both servers, idempotently",
          "[integration][mysql][target]") {
  SLUICE_REQUIRE_MYSQL();
  for (const char* env : {test::kMysqlUrlEnv, test::kHostileMysqlUrlEnv}) {
    DYNAMIC_SECTION(env) {
      if (!test::mysql_server_url(env)) {
        WARN(std::string("SKIPPED: ") + env + " is not set (deploy/test.sh starts that server)");
        continue;
      }
      Setup s;
      s.f.exec(kSourceTable);
      s.f.exec(kSourceRows);
      test::MysqlDatabase my(env);
      my.exec(kTargetTable);
      const auto p = s.pipeline(my);
      const auto summary = test::run_until_settled(s.f, p, test::kNow);
      INFO(s.f.error_messages());
      CHECK(summary.success == 1);
      CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' "
                      "AND audit_result = 'PASS' AND source_count = 9 AND target_count = 9") == 1);
      const auto expected = s.expected();
      REQUIRE(expected.size() == 9);
      CHECK(maria_rows(my, kLoaded) == expected);
      // Facts, not only agreement: NULL is not the text `\N` or `NULL`.
      CHECK(my.count("SELECT count(*) FROM dst WHERE txt IS NULL") == 1);
      CHECK(my.count("SELECT count(*) FROM dst WHERE txt = '' AND id = 2") == 1);
      CHECK(my.count("SELECT count(*) FROM dst WHERE txt = CONCAT(CHAR(92), 'N') AND id = 6") == 1);
      CHECK(my.count("SELECT count(*) FROM dst WHERE txt = 'NULL' AND id = 7") == 1);
      CHECK(my.count("SELECT FLOOR(UNIX_TIMESTAMP(stamp)) FROM dst WHERE id = 2") == 1709574300);
      CHECK(my.count("SELECT LENGTH(raw) FROM dst WHERE id = 9") == 10000);

      // Loaded again (forced): replaced, not doubled.
      s.rerun();
      CHECK(test::run_until_settled(s.f, p, test::kNow).success == 1);
      CHECK(maria_rows(my, kLoaded) == expected);
    }
  }
}

TEST_CASE("MariaDB target: a value the column cannot take fails the load, the window unchanged",
          "[integration][mysql][target]") {
  SLUICE_REQUIRE_MYSQL();
  Setup s;
  s.f.exec(kSourceTable);
  s.f.exec(kSourceRows);
  test::MysqlDatabase my;
  // `txt` too short for most of the rows: with LOAD DATA LOCAL the server only warns.
  my.exec(
      "CREATE TABLE dst (id INT, event_time DATETIME(6) NOT NULL, txt VARCHAR(3), stamp "
      "TIMESTAMP(6) NULL, raw MEDIUMBLOB, flag BOOLEAN, num DECIMAL(30,10), bits BIT(3))");
  my.exec("INSERT INTO dst (id, event_time, txt) VALUES (100, '2024-01-01 00:30:00', 'old')");
  const auto summary = test::run_until_settled(s.f, s.pipeline(my), test::kNow);
  CHECK(summary.failed == 1);
  const auto error = s.f.error_messages();
  INFO(error);
  CHECK(
      error.starts_with("permanent: mysql: LOAD DATA into dst: the server changed or skipped "
                        "rows ("));
  CHECK(error.find("column 'txt'") != std::string::npos);
  CHECK(maria_rows(my, "SELECT CONCAT(id, txt) FROM dst") == std::vector<std::string>{"100old"});
}
