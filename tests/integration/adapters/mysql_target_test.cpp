// MariaDB as a target through the real chain, from YAML: hostile values (NULL against the
// text `\N` and `NULL`, the empty string, unicode beyond the BMP, quotes, backslashes, tabs,
// newlines, carriage returns, form feeds, control characters, a long text, instants with
// offsets, bytes, booleans, decimals, bits) arrive exactly, on a server with sluice's defaults
// and on one whose defaults all differ (ANSI_QUOTES, NO_BACKSLASH_ESCAPES, latin1, +05:45);
// a window loaded again is replaced, not doubled; and a value the column cannot take fails
// the load with the server's warning, leaving the window as it was.
#include <catch2/catch.hpp>

#include "framework/adapters/mysql/mysql.hpp"
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

// Each row as text both sides agree on: hex of the text and bytes (MD5 of long ones), UTC
// instants.
constexpr const char* kExpected =
    "SELECT concat_ws('|', id, to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD "
    "HH24:MI:SS.US'), coalesce(CASE WHEN octet_length(txt) > 1000 THEN md5(txt) ELSE "
    "upper(encode(convert_to(txt, 'UTF8'), 'hex')) END, 'NULL'), "
    "coalesce(to_char(stamp AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), 'NULL'), "
    "coalesce(CASE WHEN length(raw) > 1000 THEN md5(raw) ELSE upper(encode(raw, 'hex')) END, "
    "'NULL'), coalesce(flag::int::text, 'NULL'), "
    "coalesce(num::text, 'NULL'), coalesce(ltrim(bits::text, '0'), 'NULL')) FROM hostile WHERE "
    "event_time < '2024-01-01 01:00:00+00' ORDER BY id";
constexpr const char* kLoaded =
    "SELECT CONCAT_WS('|', id, DATE_FORMAT(event_time, '%Y-%m-%d %H:%i:%s.%f'), "
    "COALESCE(IF(LENGTH(txt) > 1000, MD5(txt), HEX(txt)), 'NULL'), "
    "COALESCE(DATE_FORMAT(stamp, '%Y-%m-%d %H:%i:%s.%f'), 'NULL'), "
    "COALESCE(IF(LENGTH(raw) > 1000, MD5(raw), HEX(raw)), 'NULL'), COALESCE(flag, 'NULL'), "
    "COALESCE(num, 'NULL'), "
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

namespace {

const std::vector<adapters::Column> kStreamed{{"id"}, {"event_time"}, {"note"}};

// `n` rows of the window 2024-01-01 00:00 - 01:00 as COPY text, from id `first`.
std::string rows_of(int first, int n) {
  std::string out;
  for (int i = first; i < first + n; ++i)
    out += std::to_string(i) + "\t2024-01-01 00:" + (i % 60 < 10 ? "0" : "") +
           std::to_string(i % 60) + ":00+00\tnote \\\\ \\t " + std::to_string(i) + "\n";
  return out;
}

}  // namespace

TEST_CASE("MariaDB target: a streamed load shows nothing until commit, abandoned leaves nothing",
          "[integration][mysql][target][threads]") {
  SLUICE_REQUIRE_MYSQL();
  test::MysqlDatabase my;
  my.exec(
      "CREATE TABLE dst (id INT, event_time DATETIME(6) NOT NULL, note TEXT, KEY (event_time))");
  my.exec(
      "INSERT INTO dst VALUES (0, '2024-01-01 00:30:00', 'old'), (9, '2024-01-01 02:00:00', "
      "'next window')");
  auto target = adapters::mysql::make_target({my.params(), "dst", "event_time", {}});
  const adapters::WindowContext ctx{
      PipelineId{"p"}, Window{test::kFixtureStart, test::kFixtureStart + std::chrono::hours(1)},
      RunId{"manual__streamed"}};
  // More blocks than the queue holds: the abandoned load is in the middle of its statement.
  const std::string block = rows_of(1, 2000);
  {
    auto load = target->start_load(ctx, kStreamed);
    REQUIRE(load);
    for (int i = 0; i < 20; ++i) REQUIRE((*load)->put(block));
    CHECK(my.count("SELECT count(*) FROM dst") == 2);  // nothing visible yet
  }
  CHECK(maria_rows(my, "SELECT CONCAT(id, note) FROM dst ORDER BY id") ==
        std::vector<std::string>{"0old", "9next window"});

  auto load = target->start_load(ctx, kStreamed);
  REQUIRE(load);
  for (int i = 0; i < 3; ++i) REQUIRE((*load)->put(rows_of(1 + i * 100, 100)));
  auto committed = (*load)->commit();
  if (!committed) FAIL(committed.error().message);
  CHECK_FALSE((*load)->held());
  CHECK(my.count("SELECT count(*) FROM dst") == 301);  // the window replaced, the next kept
  CHECK(my.count("SELECT count(*) FROM dst WHERE id = 0") == 0);
  CHECK(my.count("SELECT count(*) FROM dst WHERE note = CONCAT('note ', CHAR(92), ' ', CHAR(9), "
                 "' 150')") == 1);
  CHECK(*target->count(ctx) == 300);

  SECTION("a row with a field too many fails put, and nothing is loaded") {
    auto bad = target->start_load(ctx, kStreamed);
    REQUIRE(bad);
    auto put = (*bad)->put("1\t2024-01-01 00:01:00+00\tx\textra\n");
    REQUIRE_FALSE(put);
    CHECK(put.error().message == "stage row 1 has more than 3 fields");
    bad->reset();
    CHECK(*target->count(ctx) == 300);
  }
  SECTION("a table that is not there fails before anything is sent") {
    auto missing = adapters::mysql::make_target({my.params(), "nowhere", "event_time", {}});
    auto started = missing->start_load(ctx, kStreamed);
    REQUIRE_FALSE(started);
    CHECK(started.error().kind == ErrorKind::permanent);
    CHECK(started.error().message ==
          "mysql: table nowhere does not exist, or its columns cannot be seen");
  }
}
