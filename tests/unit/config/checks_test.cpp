// A pipeline's `checks:`: what a valid list becomes (kinds, derived names, severities,
// tolerances, the connection of an assertion query) and what reaches the runtime; and every
// mistake refused with the file, line and column of what is wrong: an unknown kind, two kinds
// in one check, an unknown column (against the ddl, the transform or the source's columns),
// empty lists, min above max, an unknown connection, a placeholder misspelt inside the query,
// a kind the pipeline's target or source cannot run.
#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "tasks/runtime_from_config.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;

namespace {

constexpr const char* kConnections = R"(  files: {kind: file, root: /tmp}
  ch: {kind: clickhouse, url: "http://127.0.0.1:8123"}
  maria: {kind: mysql, url: "mysql://u:p@127.0.0.1/db"}
)";

// kPipelineConfig (11 lines) and `keys` from line 12 on.
tl::expected<config::Config, config::Diagnosed> load(const test::TempDir& dir,
                                                     const std::string& keys,
                                                     const std::string& pipeline = "") {
  test::write_file(dir.path() / "sluice.yaml", std::string(test::kDaemonConfig) + kConnections);
  test::write_file(dir.path() / "pipelines.d" / "events.yaml",
                   (pipeline.empty() ? std::string(test::kPipelineConfig) : pipeline) + keys);
  const auto env = config::Environment::fixed({});
  return config::load_config(dir.path() / "sluice.yaml", {&env, true});
}

config::Config loaded(const test::TempDir& dir, const std::string& keys) {
  auto c = load(dir, keys);
  if (!c)
    for (const auto& d : c.error()) UNSCOPED_INFO(config::to_string(d));
  REQUIRE(c);
  return std::move(*c);
}

// The one error at `path`, all of them shown when it is not there.
config::Diagnostic error_at(const tl::expected<config::Config, config::Diagnosed>& c,
                            const std::string& path) {
  REQUIRE_FALSE(c);
  for (const auto& d : c.error()) {
    UNSCOPED_INFO(config::to_string(d));
    if (d.path == path) return d;
  }
  FAIL("no error at " + path);
  return {};
}

void check_place(const config::Diagnostic& d, int line, int column) {
  INFO(config::to_string(d));
  CHECK(d.where.file.ends_with("events.yaml"));
  CHECK(d.where.line == line);
  CHECK(d.where.column == column);
}

using Kind = config::CheckSpec::Kind;

}  // namespace

TEST_CASE("checks of every kind load with their names, severities and settings",
          "[config][checks]") {
  test::TempDir dir;
  const auto c = loaded(dir,
                        "checks:\n"
                        "  - not_null: [id, \"Total €\", 'we\"ird']\n"
                        "  - {unique: [id, region], severity: warn}\n"
                        "  - {sum_match: amount, tolerance: 0.01}\n"
                        "  - {name: amount_pct, sum_match: amount, tolerance: 0.5%}\n"
                        "  - sql: SELECT 1 FROM demo.events WHERE ts >= :window_start\n"
                        "  - {sql: 'SELECT count(*) FROM x', connection: ch, min: 1, max: 5}\n");
  const auto& checks = c.pipelines.at(0).checks;
  REQUIRE(checks.size() == 6);
  CHECK(checks[0].kind == Kind::not_null);
  CHECK(checks[0].name == "not_null_id_Total €_we\"ird");
  CHECK(checks[0].columns == std::vector<std::string>{"id", "Total €", "we\"ird"});
  CHECK_FALSE(checks[0].warn);
  CHECK(checks[1].name == "unique_id_region");
  CHECK(checks[1].warn);
  CHECK(checks[2].name == "sum_match_amount");
  CHECK(checks[2].source_column == "amount");
  CHECK(checks[2].tolerance == Approx(0.01));
  CHECK_FALSE(checks[2].tolerance_percent);
  CHECK(checks[3].name == "amount_pct");
  CHECK(checks[3].tolerance == Approx(0.5));
  CHECK(checks[3].tolerance_percent);
  CHECK(checks[4].name == "sql_4");
  CHECK(checks[4].connection == "pg");  // the target's
  CHECK_FALSE(checks[4].min);
  CHECK(checks[5].connection == "ch");
  CHECK(*checks[5].min == 1);
  CHECK(*checks[5].max == 5);

  // The runtime shares one server per side and per connection; nothing connects yet.
  auto runtime = tasks::runtime_from_config(c, c.pipelines.at(0));
  REQUIRE(runtime);
  const auto& r = (*runtime)->checks;
  REQUIRE(r.size() == 6);
  CHECK(r[0].target);
  CHECK(r[0].target == r[2].target);
  CHECK(r[2].source);
  CHECK_FALSE(r[0].source);
  CHECK(r[4].query);
  CHECK(r[5].query);
  CHECK(r[4].query != r[5].query);
}

TEST_CASE("a sum_match follows the transform's rename to the source's column", "[config][checks]") {
  test::TempDir dir;
  const auto c = loaded(dir,
                        "transform:\n"
                        "  columns:\n"
                        "    - {name: id, from: id}\n"
                        "    - {name: cents, from: amount_cents}\n"
                        "    - {name: total, cast: number}\n"
                        "checks:\n"
                        "  - sum_match: cents\n"
                        "  - sum_match: total\n");
  CHECK(c.pipelines.at(0).checks.at(0).source_column == "amount_cents");
  CHECK(c.pipelines.at(0).checks.at(1).source_column == "total");
}

TEST_CASE("an unknown check kind is refused where it is written, with a suggestion",
          "[config][checks]") {
  test::TempDir dir;
  const auto c = load(dir, "checks:\n  - not_nul: [id]\n");
  const auto d = error_at(c, "checks[0].not_nul");
  check_place(d, 13, 5);
  CHECK_THAT(d.message, Catch::Contains("did you mean 'not_null'"));
  CHECK_THAT(error_at(c, "checks[0]").message,
             Catch::Contains("needs one of not_null, unique, sum_match or sql"));
}

TEST_CASE("one kind per check", "[config][checks]") {
  test::TempDir dir;
  const auto c = load(dir, "checks:\n  - not_null: [id]\n    unique: [id]\n");
  const auto d = error_at(c, "checks[0].unique");
  check_place(d, 14, 13);
  CHECK_THAT(d.message, Catch::Contains("one kind per check"));
}

TEST_CASE("a check column the ddl does not have is refused at its place in the list",
          "[config][checks]") {
  test::TempDir dir;
  const auto c = load(dir,
                      "ddl: CREATE TABLE demo.events_copy (id bigint, event_time timestamptz, "
                      "amount numeric)\n"
                      "checks:\n"
                      "  - not_null: [id, amout]\n"
                      "  - sum_match: total\n");
  const auto d = error_at(c, "checks[0].not_null[1]");
  check_place(d, 14, 20);
  CHECK_THAT(d.message, Catch::Contains("unknown column 'amout' (did you mean 'amount'?)"));
  const auto s = error_at(c, "checks[1].sum_match");
  check_place(s, 15, 16);
  CHECK_THAT(s.message, Catch::Contains("the ddl has: id, event_time, amount"));
}

TEST_CASE("check columns are checked against the transform's and the source's columns",
          "[config][checks]") {
  test::TempDir dir;
  SECTION("the transform's output columns") {
    const auto c = load(dir,
                        "transform:\n"
                        "  columns:\n"
                        "    - {name: id, from: id}\n"
                        "    - {name: load_day, value: '{target_day}'}\n"
                        "checks:\n"
                        "  - unique: [customer]\n"
                        "  - sum_match: load_day\n");
    check_place(error_at(c, "checks[0].unique[0]"), 17, 14);
    CHECK_THAT(error_at(c, "checks[0].unique[0]").message,
               Catch::Contains("unknown column 'customer' (the transform.columns has: id, "
                               "load_day)"));
    CHECK_THAT(error_at(c, "checks[1].sum_match").message,
               Catch::Contains("computed by the transform"));
  }
  SECTION("a file source's columns, rows unchanged on their way") {
    const auto c = load(dir, "checks:\n  - not_null: [a, d]\n",
                        "id: events\nsource:\n  connection: files\n  path: in.csv\n  format: "
                        "csv\n  columns: [a, b, c]\n  time_column: a\ntarget:\n  connection: pg\n "
                        " table: demo.events_copy\nwindow:\n  granularity: 1h\n  start_date: "
                        "2024-03-01\n");
    CHECK_THAT(error_at(c, "checks[0].not_null[1]").message, Catch::Contains("unknown column 'd'"));
  }
}

TEST_CASE("empty lists, bad tolerances and min above max are refused", "[config][checks]") {
  test::TempDir dir;
  const auto c = load(dir,
                      "checks:\n"
                      "  - unique: []\n"
                      "  - {sum_match: amount, tolerance: 'lots'}\n"
                      "  - {sql: 'SELECT 1', min: 10, max: 2}\n"
                      "  - {not_null: [id], tolerance: 1}\n"
                      "  - {not_null: [\"a\\tb\"]}\n");
  check_place(error_at(c, "checks[0].unique"), 13, 13);
  CHECK_THAT(error_at(c, "checks[0].unique").message, Catch::Contains("empty list"));
  CHECK_THAT(error_at(c, "checks[1].tolerance").message,
             Catch::Contains("or a percentage such as `0.5%`"));
  const auto m = error_at(c, "checks[2].max");
  check_place(m, 15, 37);
  CHECK_THAT(m.message, Catch::Contains("must be at least min (10)"));
  CHECK_THAT(error_at(c, "checks[3].tolerance").message,
             Catch::Contains("only with sum_match (this check is not_null)"));
  CHECK_THAT(error_at(c, "checks[4].not_null[0]").message,
             Catch::Contains("no control characters"));
}

TEST_CASE("an assertion query's connection and placeholders are checked", "[config][checks]") {
  test::TempDir dir;
  SECTION("an unknown connection, with a suggestion") {
    const auto c = load(dir, "checks:\n  - {sql: 'SELECT 1', connection: mariaa}\n");
    const auto d = error_at(c, "checks[0].connection");
    check_place(d, 13, 35);
    CHECK_THAT(d.message, Catch::Contains("undefined connection 'mariaa' (did you mean 'maria'?)"));
  }
  SECTION("a misspelt placeholder, pointed at inside the query") {
    const auto c = load(dir,
                        "checks:\n"
                        "  - sql: SELECT 1 FROM t WHERE ts >= :window_stat\n");
    const auto d = error_at(c, "checks[0].sql");
    check_place(d, 13, 38);
    CHECK_THAT(d.message, Catch::Contains("did you mean :window_start"));
  }
  SECTION("a connection that runs no queries") {
    const auto c = load(dir, "checks:\n  - {sql: 'SELECT 1', connection: files}\n");
    CHECK_THAT(error_at(c, "checks[0].connection").message,
               Catch::Contains("kind file, which cannot run check queries"));
  }
}

TEST_CASE("a check the pipeline's target or source cannot run is refused at its key",
          "[config][checks]") {
  test::TempDir dir;
  SECTION("a file target has no window to query") {
    const auto c = load(dir, "checks:\n  - not_null: [a]\n",
                        "id: events\nsource:\n  connection: pg\n  table: demo.events\n  "
                        "time_column: t\ntarget:\n  connection: files\n  path: out.csv\n  format: "
                        "csv\nwindow:\n  granularity: 1h\n  start_date: 2024-03-01\n");
    const auto d = error_at(c, "checks[0].not_null");
    CHECK_THAT(d.message,
               Catch::Contains("target's connection is of kind file, which cannot run not_null"));
  }
  SECTION("a SQL pipeline has no source sum") {
    const auto c =
        load(dir, "checks:\n  - sum_match: amount\n",
             "id: events\nkind: sql\ntarget:\n  connection: pg\n  table: t\n  "
             "time_column: ts\nsql:\n  insert: INSERT INTO t SELECT * FROM s WHERE ts >= "
             ":window_start AND ts < :window_end\nwindow:\n  granularity: 1h\n  "
             "start_date: 2024-03-01\n");
    CHECK_THAT(error_at(c, "checks[0].sum_match").message,
               Catch::Contains("a SQL pipeline has no source"));
  }
}

TEST_CASE("two checks of one name are refused", "[config][checks]") {
  test::TempDir dir;
  const auto c = load(dir,
                      "checks:\n"
                      "  - not_null: [id]\n"
                      "  - {not_null: [id], severity: warn}\n"
                      "  - {name: x, unique: [id]}\n"
                      "  - {name: x, sql: SELECT 1}\n");
  CHECK_THAT(error_at(c, "checks[1]").message,
             Catch::Contains("check name 'not_null_id' is taken by checks[0]"));
  const auto d = error_at(c, "checks[3].name");
  check_place(d, 16, 12);
  CHECK_THAT(d.message, Catch::Contains("taken by checks[2]"));
}

TEST_CASE("a check's severity is error or warn", "[config][checks]") {
  test::TempDir dir;
  const auto c = load(dir, "checks:\n  - {not_null: [id], severity: fatal}\n");
  const auto d = error_at(c, "checks[0].severity");
  check_place(d, 13, 32);
  CHECK_THAT(d.message, Catch::Contains("expected one of: error, warn"));
}
