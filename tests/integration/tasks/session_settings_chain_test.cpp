// Session settings of the databases must not change the data: a PostgreSQL source, target
// and store whose database and role defaults (and libpq's environment) all differ from what
// sluice's text codecs rely on, and every value type copied through the runner, compared
// exactly.
#include <catch2/catch.hpp>

#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/mysql/mysql.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/hostile_session.hpp"
#include "tests/support/mysql_database.hpp"
#include "tests/support/test_clickhouse.hpp"

using namespace sluice;

namespace {

using test::kNow;

const std::vector<std::string> kColumns{
    "id",   "event_time", "d",  "ts", "tstz", "tm", "tmtz", "iv", "num", "f4", "f8", "b",  "txt",
    "flag", "j",          "jb", "ai", "at",   "ad", "atz",  "u",  "m",   "x",  "dr", "tr", "ivs"};

constexpr const char* kTable =
    "(id int, event_time timestamptz NOT NULL, d date, ts timestamp, tstz timestamptz, tm time, "
    "tmtz timetz, iv interval, num numeric, f4 real, f8 double precision, b bytea, txt text, "
    "flag boolean, j json, jb jsonb, ai int[], at text[], ad date[], atz timestamptz[], u uuid, "
    "m money, x xml, dr daterange, tr tstzrange, ivs interval[])";

// Two windows (00:00 and 01:00 on 2024-01-01), values at the edges of every type. Inserted
// through a pinned session, so the literals mean what they say.
constexpr const char* kRows =
    "INSERT INTO src VALUES "
    "(1, '2024-01-01 00:10:00+00', '2024-03-04', '2024-03-04 05:06:07.891234', "
    " '2024-03-04 23:30:00+00', '23:59:59.999999', '04:05:06.5-03:30', '-1 day +02:03:04', "
    " 123456789012345678901234567890.123456789, 3.4028235e38, 0.30000000000000004, "
    " '\\x00ff5c0a09', E'back\\\\slash \\\\N tab\\t nl\\n ünïcödé ✓ 𝄞 ''q'' \"dq\"', true, "
    " '{\"a\" : [1, 2.50, \"x\\u00e9\"]}', '{\"b\": 1.0, \"a\": null}', '{1,NULL,3}', "
    " '{\"NULL\",NULL,\"a,b\",\"q\\\"uote\",\"\"}', '{2024-03-04,2024-12-31}', "
    " '{\"2024-03-04 10:00:00+00\"}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1234.56, "
    " '<a>x</a><b/>', '[2024-03-04,2024-04-03)', '[2024-03-04 10:00+00,2024-03-05 00:00+00)', "
    " '{\"-1 day +02:03:04\",\"1 year -2 mons +3 days -04:05:06.789\"}'),"
    "(2, '2024-01-01 00:20:00+00', '4713-01-01 BC', '-infinity', 'infinity', '00:00', "
    " '00:00:00+14:59', '1 year -2 mons +3 days -04:05:06.789', 'NaN', 1.4e-45, -0, '\\x', '', "
    " false, 'null', '[]', '{}', '{}', '{}', '{}', '00000000-0000-0000-0000-000000000000', "
    " -92233720368547758.08, 'text only', 'empty', '(,)', '{}'),"
    "(3, '2024-01-01 01:00:00+00', '2024-12-31', '1999-12-31 23:59:59', "
    " '1970-01-01 00:00:00.000001+00', '12:00', '12:00:00-00:00:01', '-00:00:00.000001', "
    " -0.000000000000000000000000000001, '-Infinity', 2.2250738585072014e-308, '\\x5c4e', "
    " E'\\\\x41', NULL, '{\"deep\": {\"é\": [true, false]}}', '{\"n\": 1e-7}', '{-2147483648}', "
    " '{\"\\\\\\\\\"}', '{infinity}', '{-infinity}', NULL, 0, NULL, '[2024-01-01,)', "
    " '[\"2024-03-31 01:30:00+00\",\"2024-10-27 01:30:00+00\"]', '{-178000000 years}'),"
    "(4, '2024-01-01 01:30:00+00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'NaN', "
    " 1.7976931348623157e308, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    " NULL, NULL, NULL, NULL)";

// Source, target and store: each database and role default set differently.
const std::map<std::string, std::string> kSourceDefaults{
    {"DateStyle", "SQL, DMY"},  {"extra_float_digits", "-3"},
    {"bytea_output", "escape"}, {"TimeZone", "Pacific/Chatham"},
    {"array_nulls", "off"},     {"standard_conforming_strings", "off"},
    {"xmloption", "document"},  {"lc_monetary", "C.UTF-8"}};
const std::map<std::string, std::string> kTargetDefaults{
    {"DateStyle", "SQL, MDY"},  {"IntervalStyle", "sql_standard"},     {"extra_float_digits", "0"},
    {"bytea_output", "escape"}, {"TimeZone", "America/St_Johns"},      {"array_nulls", "off"},
    {"xmloption", "document"},  {"standard_conforming_strings", "off"}};
const std::map<std::string, std::string> kStoreDefaults{
    {"DateStyle", "German, DMY"}, {"IntervalStyle", "sql_standard"}, {"TimeZone", "Asia/Tokyo"}};

}  // namespace

TEST_CASE("database, role and environment defaults of PostgreSQL change no value on the way",
          "[integration][chain][postgres][session]") {
  test::ChainFixture f;  // the store, with its own hostile defaults
  test::TestDatabase source, target;
  test::set_database_defaults(source.url(), source.name(), kSourceDefaults);
  test::set_database_defaults(target.url(), target.name(), kTargetDefaults);
  test::set_database_defaults(f.db().url(), f.db().name(), kStoreDefaults);
  // A role default wins over the database's: the source's IntervalStyle comes from one.
  {
    auto c = source.connect();
    test::run_sql(*c, "ALTER ROLE CURRENT_USER IN DATABASE \"" + source.name() +
                          "\" SET IntervalStyle = 'sql_standard'");
    test::run_sql(*c, std::string("CREATE TABLE src ") + kTable);
    test::run_sql(*c, kRows);
    auto t = target.connect();
    test::run_sql(*t, std::string("CREATE TABLE dst ") + kTable);
  }
  // The setup is hostile indeed: a plain session sees the defaults.
  CHECK(test::plain_session_setting(source.url(), "DateStyle") == "SQL, DMY");
  CHECK(test::plain_session_setting(source.url(), "IntervalStyle") == "sql_standard");
  CHECK(test::plain_session_setting(target.url(), "TimeZone") == "America/St_Johns");
  CHECK(test::plain_session_setting(f.db().url(), "DateStyle") == "German, DMY");
  const std::string expected = test::rendering(source.url(), "SELECT * FROM src ORDER BY id");

  auto p = f.pipeline(2, "settings");
  p->source = adapters::postgres::make_source({source.url(), std::nullopt, "src", "event_time"});
  p->target = adapters::postgres::make_target({target.url(), "dst", "event_time"});
  tasks::RunSummary summary;
  {
    const test::ScopedEnv env(test::hostile_libpq_environment());
    CHECK(test::plain_session_setting(source.url(), "TimeZone") == "Asia/Kathmandu");
    summary = test::run_until_settled(f, p, kNow);
  }
  CHECK(summary.success == 2);
  CHECK(summary.failed == 0);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                "audit_result = 'PASS' AND count_difference = 0 AND source_count = 2 AND "
                "extract(epoch FROM window_start_time)::bigint IN (1704067200, 1704070800)") == 2);

  const std::string loaded = test::rendering(target.url(), "SELECT * FROM dst ORDER BY id");
  CHECK(test::rendering_differences(expected, loaded, kColumns) == "");
  // And the values are the ones written, not only equal on both sides.
  const std::string facts = test::rendering(
      target.url(),
      "SELECT d = make_date(2024, 3, 4), iv = make_interval(days => -1, hours => 2, mins => 3, "
      "secs => 4), f8 = 0.1::float8 + 0.2::float8, b = decode('00ff5c0a09', 'hex'), "
      "extract(epoch FROM tstz) = 1709595000, ai[2] IS NULL, at[1] = 'NULL', "
      "position(U&'\\2713' IN txt) > 0, ivs[1] = iv FROM dst WHERE id = 1");
  CHECK(facts == "t\tt\tt\tt\tt\tt\tt\tt\tt\n");
}

namespace {

// A target database with kTargetDefaults and the table `dst` (`columns`).
void hostile_target(const test::TestDatabase& target, const std::string& columns) {
  test::set_database_defaults(target.url(), target.name(), kTargetDefaults);
  auto t = target.connect();
  test::run_sql(*t, "CREATE TABLE dst " + columns);
}

// Runs the two windows of `p` from `source` into `target`'s dst; what dst then holds, rendered
// under a pinned session, must be `expected`.
void run_and_compare(test::ChainFixture& f, std::shared_ptr<tasks::PipelineRuntime> p,
                     std::unique_ptr<adapters::Source> source, const test::TestDatabase& target,
                     const std::string& expected, const std::vector<std::string>& columns) {
  p->source = std::move(source);
  p->target = adapters::postgres::make_target({target.url(), "dst", "event_time"});
  const auto summary = test::run_until_settled(f, p, kNow);
  CHECK(summary.success == 2);
  CHECK(summary.failed == 0);
  const std::string loaded = test::rendering(target.url(), "SELECT * FROM dst ORDER BY id");
  CHECK(test::rendering_differences(expected, loaded, columns) == "");
}

}  // namespace

TEST_CASE("server defaults of MariaDB (time zone, sql_mode, character sets) change no value",
          "[integration][chain][mysql][session]") {
  if (!test::mysql_server_url(test::kHostileMysqlUrlEnv)) {
    WARN(std::string("SKIPPED: ") + test::kHostileMysqlUrlEnv +
         " is not set; deploy/test.sh starts that server");
    return;
  }
  test::ChainFixture f;
  test::MysqlDatabase my(test::kHostileMysqlUrlEnv);
  // Seeded through sluice's own (pinned) session, so the literals mean what they say.
  my.exec(
      "CREATE TABLE src (id INT, event_time DATETIME(6) NOT NULL, ts TIMESTAMP(6) NULL, "
      "c CHAR(10), v VARCHAR(100), d DATE, t TIME(6), num DECIMAL(30,10), b VARBINARY(20)) "
      "CHARACTER SET utf8mb4");
  my.exec("INSERT INTO src VALUES (1, '2024-01-01 00:10:00', '2024-03-04 10:00:00.5', 'ab', " +
          test::mysql_literal("ünï ✓ 😀 back\\slash \"dq\" 'q'") +
          ", '2024-03-04', '-838:59:59', -12345678901234567890.0123456789, X'00FF5C'),"
          "(2, '2024-01-01 01:20:00', NULL, '', '', NULL, '00:00:00.000001', 0, X'')");
  test::TestDatabase target;
  hostile_target(target,
                 "(id int, event_time timestamptz, ts timestamptz, c text, v text, "
                 "d date, t interval, num numeric, b bytea)");

  const std::string expected =
      "1\t2024-01-01 00:10:00+00\t2024-03-04 10:00:00.5+00\tab\t"
      "ünï ✓ 😀 back\\\\slash \"dq\" 'q'\t2024-03-04\t-838:59:59\t"
      "-12345678901234567890.0123456789\t\\\\x00ff5c\n"
      "2\t2024-01-01 01:20:00+00\t\\N\t\t\t\\N\t00:00:00.000001\t0.0000000000\t\\\\x\n";
  run_and_compare(f, f.pipeline(2, "settings_my"),
                  adapters::mysql::make_source({my.params(), std::nullopt, "src", "event_time"}),
                  target, expected, {"id", "event_time", "ts", "c", "v", "d", "t", "num", "b"});
}

TEST_CASE("ClickHouse DateTime values in any zone arrive in UTC, whatever the session defaults",
          "[integration][chain][clickhouse][session]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  test::ChainFixture f;
  const std::string src = ch->database() + ".src";
  ch->query("CREATE TABLE " + src +
            " (id UInt32, event_time DateTime, k DateTime('Asia/Kathmandu'), "
            "tk Nullable(DateTime('Asia/Tokyo')), arr Array(DateTime('America/St_Johns')), "
            "`odd.name` DateTime('Pacific/Chatham')) ENGINE = MergeTree ORDER BY id");
  // 1709546400 is 2024-03-04 10:00:00 UTC.
  ch->query(
      "INSERT INTO " + src +
      " VALUES (1, toDateTime(1704067800), toDateTime(1709546400), toDateTime(1709546400), "
      "[toDateTime(1709546400)], toDateTime(1709546400)), "
      "(2, toDateTime(1704072000), toDateTime(1709546400), NULL, [], toDateTime(1709546400))");
  test::TestDatabase target;
  hostile_target(target,
                 "(id int, event_time timestamptz, k timestamptz, tk timestamptz, "
                 "arr text, \"odd.name\" timestamptz)");

  adapters::clickhouse::SourceOptions o;
  o.connection.url = ch->url();
  o.connection.database = ch->database();
  o.table = "src";
  o.time_column = "event_time";
  const std::string expected =
      "1\t2024-01-01 00:10:00+00\t2024-03-04 10:00:00+00\t2024-03-04 10:00:00+00\t"
      "['2024-03-04 10:00:00']\t2024-03-04 10:00:00+00\n"
      "2\t2024-01-01 01:20:00+00\t2024-03-04 10:00:00+00\t\\N\t[]\t2024-03-04 10:00:00+00\n";
  run_and_compare(f, f.pipeline(2, "settings_ch"), adapters::clickhouse::make_source(std::move(o)),
                  target, expected, {"id", "event_time", "k", "tk", "arr", "odd"});
}
