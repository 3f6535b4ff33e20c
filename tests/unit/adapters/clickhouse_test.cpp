// The ClickHouse adapter's pure parts: literals and names as SQL, the window's SELECT, and
// the reading and classification of ClickHouse's error text.
#include <catch2/catch.hpp>

#include "framework/adapters/clickhouse/clickhouse.hpp"

using namespace sluice;
using namespace sluice::adapters::clickhouse;
using namespace std::chrono_literals;

TEST_CASE("ClickHouse string literals escape backslash, quote and NUL", "[clickhouse]") {
  struct Case {
    std::string in, out;
  };
  const std::vector<Case> cases = {
      {"plain", "'plain'"},
      {"it's", "'it\\'s'"},
      {"back\\slash", "'back\\\\slash'"},
      {"\\'; DROP TABLE t; --", "'\\\\\\'; DROP TABLE t; --'"},
      {std::string("nul\0byte", 8), "'nul\\0byte'"},
      {"tab\tnewline\nünï", "'tab\tnewline\nünï'"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    CHECK(quote_string(c.in) == c.out);
  }
}

TEST_CASE("ClickHouse names are backquoted part by part", "[clickhouse]") {
  CHECK(quote_name("events") == "`events`");
  CHECK(quote_name("db.events") == "`db`.`events`");
  CHECK(quote_name("we`ird") == "`we\\`ird`");
}

TEST_CASE("window bounds are unix seconds, whatever the server's time zone", "[clickhouse]") {
  CHECK(datetime_literal(Instant(1704067200s)) == "toDateTime(1704067200)");
  const Window w{Instant(1704067200s), Instant(1704070800s)};
  CHECK(window_select({{}, std::nullopt, "db.events", "ts"}, w) ==
        "SELECT * FROM `db`.`events` WHERE `ts` >= toDateTime(1704067200) AND `ts` < "
        "toDateTime(1704070800)");
  CHECK(
      window_select(
          {{}, "SELECT a FROM t WHERE x >= {window_start} AND x < {window_end}", std::nullopt, ""},
          w) == "SELECT a FROM t WHERE x >= toDateTime(1704067200) AND x < toDateTime(1704070800)");
  CHECK(window_select({{}, "SELECT a, ts FROM t", std::nullopt, "ts"}, w) ==
        "SELECT * FROM (SELECT a, ts FROM t) WHERE `ts` >= toDateTime(1704067200) AND `ts` < "
        "toDateTime(1704070800)");
}

TEST_CASE("ClickHouse exception codes are read from the error text", "[clickhouse]") {
  CHECK(exception_code("Code: 60, e.displayText() = DB::Exception: Table x doesn't exist.") == 60);
  CHECK(exception_code("\nCode: 241. DB::Exception: Memory limit") == 241);
  CHECK(exception_code("<html>Bad Gateway</html>") == -1);
  CHECK(exception_code("") == -1);
}

TEST_CASE("ClickHouse errors: missing things and bad data permanent, load and limits retryable",
          "[clickhouse]") {
  struct Case {
    std::string name;
    int code;
    long status;
    ErrorKind kind;
  };
  const std::vector<Case> cases = {
      {"unknown table", 60, 404, ErrorKind::permanent},
      {"unknown database", 81, 404, ErrorKind::permanent},
      {"unknown column", 16, 400, ErrorKind::permanent},
      {"syntax error", 62, 400, ErrorKind::permanent},
      {"wrong password", 193, 401, ErrorKind::permanent},
      {"unknown user", 192, 401, ErrorKind::permanent},
      {"unparsable row", 27, 500, ErrorKind::permanent},
      {"value too long", 131, 500, ErrorKind::permanent},
      {"timeout", 159, 500, ErrorKind::retryable},
      {"memory limit", 241, 500, ErrorKind::retryable},
      {"too many parts", 252, 500, ErrorKind::retryable},
      {"too many queries", 202, 500, ErrorKind::retryable},
      {"network error", 210, 500, ErrorKind::retryable},
      {"unknown code, 5xx", 9998, 500, ErrorKind::retryable},
      {"unknown code, 4xx", 9998, 400, ErrorKind::permanent},
      {"unknown code inside a 200 answer", 9998, 0, ErrorKind::permanent},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(classify_exception(c.code, c.status) == c.kind);
  }
}

TEST_CASE("ClickHouse error messages name the statement and keep the server's sentence",
          "[clickhouse]") {
  const Error e = server_error(
      "INSERT into events", 404,
      "Code: 60, e.displayText() = DB::Exception: Table db.events doesn't exist., e.what() = "
      "DB::Exception\n");
  CHECK(e.kind == ErrorKind::permanent);
  CHECK(e.message == "ClickHouse INSERT into events: Code 60: Table db.events doesn't exist.");
  const Error proxy = server_error("count", 502, "Bad Gateway");
  CHECK(proxy.kind == ErrorKind::retryable);
  CHECK(proxy.message == "ClickHouse count: HTTP 502: Bad Gateway");
}

TEST_CASE("computed columns: a rows table of the target's types, then one INSERT ... SELECT",
          "[clickhouse][load]") {
  const std::vector<adapters::Column> loaded{{"id"}, {"event_time"}, {"amount"}};
  const std::vector<adapters::ComputedColumn> computed{
      {"cents", "toInt64(amount * 100)", "pipelines.d/orders.yaml:20:5"},
      {"we`ird", "lower(note)", "pipelines.d/orders.yaml:22:5"}};
  CHECK(rows_table_ddl("`db`.`dst__sluice_rows_1704067200_0000abcd`", "`db`.`dst`", loaded) ==
        "CREATE TABLE `db`.`dst__sluice_rows_1704067200_0000abcd` ENGINE = Log AS SELECT `id`, "
        "`event_time`, `amount` FROM `db`.`dst` WHERE 0");
  CHECK(computed_insert("`db`.`dst`", "`db`.`rows`", loaded, computed) ==
        "INSERT INTO `db`.`dst` (`id`, `event_time`, `amount`, `cents`, `we\\`ird`) SELECT "
        "loaded.`id`, loaded.`event_time`, loaded.`amount`, (toInt64(amount * 100)\n), "
        "(lower(note)\n) FROM `db`.`rows` AS loaded");
}
