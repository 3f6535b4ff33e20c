// MariaDB -> stage -> PostgreSQL through the real chain: config loaded from YAML, adapters
// built by the registry, windows run by the runner, records audited.
#include <catch2/catch.hpp>

#include <thread>

#include "framework/config/load.hpp"
#include "tasks/runtime_from_config.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/files.hpp"
#include "tests/support/mysql_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

using test::kNow;

// Three hourly windows from 2024-01-01T00:00Z; the second one empty.
void seed_mariadb(const test::MysqlDatabase& my) {
  my.exec(
      "CREATE TABLE src (id BIGINT PRIMARY KEY, event_time DATETIME(6) NOT NULL, note TEXT, amount "
      "DECIMAL(24,6), "
      "payload BLOB, day DATE, KEY (event_time)) CHARACTER SET utf8mb4");
  my.exec(
      "INSERT INTO src VALUES "
      "(1, '2024-01-01 00:00:00', 'first, on the start edge', 1.5, X'DEADBEEF', '2024-01-01'),"
      "(2, '2024-01-01 00:10:00', NULL, NULL, NULL, NULL),"
      "(3, '2024-01-01 00:20:00', " +
      test::mysql_literal("tab\t newline\n backslash\\ cr\r \"dq\" 'sq'") +
      ", -0.000001, X'00090A5C', '1999-12-31'),"
      "(4, '2024-01-01 00:30:00', " +
      test::mysql_literal("emoji 😀 ünï ✓") +
      ", 123456789012345678.123456, '', NULL),"
      "(5, '2024-01-01 00:59:59.999999', 'last microsecond of window 1', 5, NULL, NULL),"
      "(6, '2024-01-01 02:00:00', 'on the end of window 2: window 3', 6, NULL, NULL),"
      "(7, '2024-01-01 02:30:00', " +
      test::mysql_literal("\\N is text") +
      ", 7, NULL, NULL),"
      "(8, '2024-01-01 03:00:00', 'on the end of window 3: not loaded', 8, NULL, NULL)");
}

const char* kTargetTable =
    "CREATE TABLE mdst (id bigint, event_time timestamptz NOT NULL, note text, amount "
    "numeric(24,6), "
    "payload bytea, day date)";

struct Setup {
  test::ChainFixture f;
  test::MysqlDatabase my;
  test::TempDir dir;

  Setup() { f.exec(kTargetTable); }

  // The pipeline `orders_my` (maria.src -> warehouse.mdst) loaded from YAML, the MariaDB
  // connection's URL given by $MYSQL_URL as an operator would.
  std::shared_ptr<const tasks::PipelineRuntime> pipeline(const std::string& mysql_url,
                                                         const std::string& table = "src") {
    test::write_file(dir.path() / "sluice.yaml",
                     "stage:\n  root: " + f.stage_root().string() +
                         "\nconnections:\n  maria:\n    kind: mysql\n    url: ${env:MYSQL_URL}\n"
                         "  warehouse:\n    kind: postgres\n    url: ${env:PG_URL}\n");
    test::write_file(
        dir.path() / "pipelines.d" / "orders.yaml",
        "id: orders_my\nsource:\n  connection: maria\n  table: " + table +
            "\n  time_column: event_time\ntarget:\n  connection: warehouse\n  table: mdst\n"
            "window:\n  granularity: 1h\n  start_date: 2024-01-01\n"
            "  end_date: 2024-01-01T03:00:00Z\nretries:\n  max: 1\n  base_delay: 1s\n"
            "  max_delay: 1s\n");
    const auto env =
        config::Environment::fixed({{"MYSQL_URL", mysql_url}, {"PG_URL", f.db().url()}});
    auto loaded = config::load_config(dir.path() / "sluice.yaml", {&env, true});
    if (!loaded) {
      for (const auto& d : loaded.error()) UNSCOPED_INFO(config::to_string(d));
    }
    REQUIRE(loaded);
    REQUIRE(loaded->pipelines.size() == 1);
    auto p = tasks::runtime_from_config(*loaded, loaded->pipelines[0]);
    if (!p) FAIL(p.error().message);
    return *p;
  }

  tasks::RunSummary run(std::shared_ptr<const tasks::PipelineRuntime> p) {
    return test::run_until_settled(f, std::move(p), kNow);
  }

  // The target's rows as text, one line each, in id order.
  std::vector<std::string> target_rows() {
    auto c = f.db().connect();
    auto r = test::run_sql(*c,
                           "SELECT concat_ws('|', id, to_char(event_time AT TIME ZONE 'UTC', "
                           "'YYYY-MM-DD HH24:MI:SS.US'), "
                           "coalesce(note, '<null>'), coalesce(amount::text, '<null>'), "
                           "coalesce(encode(payload, 'hex'), '<null>'), coalesce(day::text, "
                           "'<null>')) FROM mdst ORDER BY id");
    std::vector<std::string> out;
    for (const auto& row : r) out.push_back(row[0].c_str());
    return out;
  }
};

}  // namespace

TEST_CASE("MariaDB -> PostgreSQL: three windows, one empty, values and edges exact, audited",
          "[integration][chain][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  Setup s;
  seed_mariadb(s.my);
  auto p = s.pipeline(s.my.url());
  const auto summary = s.run(p);
  // The empty window: pre-validation finds 0 = 0 and skips it.
  CHECK(summary.success == 2);
  CHECK(summary.skipped == 1);
  CHECK(summary.failed == 0);
  CHECK(s.f.count(
            "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
            "audit_result = 'PASS' "
            "AND source_count = target_count AND count_difference = 0 AND source_name = 'maria' "
            "AND target_name = 'warehouse'") == 2);
  CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SKIPPED' AND "
                  "source_count = 0 "
                  "AND target_count = 0 AND window_start_time = '2024-01-01T01:00:00Z'") == 1);
  CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE source_count = 5 AND "
                  "window_start_time = '2024-01-01T00:00:00Z'") == 1);
  CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE source_count = 0 AND "
                  "window_start_time = '2024-01-01T01:00:00Z'") == 1);
  CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE source_count = 2 AND "
                  "window_start_time = '2024-01-01T02:00:00Z'") == 1);
  const std::vector<std::string> expected{
      "1|2024-01-01 00:00:00.000000|first, on the start edge|1.500000|deadbeef|2024-01-01",
      "2|2024-01-01 00:10:00.000000|<null>|<null>|<null>|<null>",
      "3|2024-01-01 00:20:00.000000|tab\t newline\n backslash\\ cr\r \"dq\" "
      "'sq'|-0.000001|00090a5c|1999-12-31",
      "4|2024-01-01 00:30:00.000000|emoji 😀 ünï ✓|123456789012345678.123456||<null>",
      "5|2024-01-01 00:59:59.999999|last microsecond of window 1|5.000000|<null>|<null>",
      "6|2024-01-01 02:00:00.000000|on the end of window 2: window 3|6.000000|<null>|<null>",
      "7|2024-01-01 02:30:00.000000|\\N is text|7.000000|<null>|<null>",
  };
  CHECK(s.target_rows() == expected);

  SECTION("re-running the loaded windows leaves the target unchanged") {
    s.f.exec(
        "UPDATE pipeline_records SET pipeline_status = 'PENDING', phase_completed = NULL, "
        "audit_result = NULL");
    const auto again = s.run(s.pipeline(s.my.url()));
    CHECK(again.skipped + again.success == 3);
    CHECK(s.target_rows() == expected);
  }
  SECTION("extracting and loading a window again leaves the target unchanged") {
    const Window w{test::kFixtureStart, test::kFixtureStart + std::chrono::hours(1)};
    const adapters::WindowContext ctx{p->id, w, RunId{"manual__again"}};
    auto writer = p->stage->open_writer(ctx);
    REQUIRE(writer);
    auto extracted = p->source->extract(ctx, **writer);
    if (!extracted) FAIL(extracted.error().message);
    REQUIRE((*writer)->commit());
    auto reader = p->stage->open_reader(ctx);
    REQUIRE(reader);
    auto loaded = p->target->load(ctx, **reader);
    if (!loaded) FAIL(loaded.error().message);
    CHECK(loaded->rows == 5);
    CHECK(s.target_rows() == expected);
  }
}

TEST_CASE(
    "MariaDB -> PostgreSQL bad input: a clear, classified error on the record, nothing loaded",
    "[integration][chain][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  Setup s;
  seed_mariadb(s.my);
  auto params = s.my.params();
  const std::string at = "@" + params.host + ":" + std::to_string(params.port) + "/" + s.my.name();
  struct Case {
    const char* name;
    std::string url;
    std::string table;
    const char* kind;
    const char* says;
  };
  const Case cases[] = {
      {"unreachable server", "mysql://sluice:s3cret-pw@127.0.0.1:1/" + s.my.name(), "src",
       "retryable", "127.0.0.1:1/%cannot connect"},
      {"wrong password", "mysql://sluice:s3cret-pw" + at, "src", "permanent",
       "Access denied for user 'sluice'"},
      {"missing table", "mysql://sluice:sluice" + at, "no_such_table", "permanent",
       "no_such_table' doesn't exist"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      const auto summary = s.run(s.pipeline(c.url, c.table));
      CHECK(summary.success == 0);
      CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'FAILED'") ==
            3);
      std::string pattern = std::string(c.kind) + ": %" + c.says + "%";
      for (auto at = pattern.find('\''); at != std::string::npos; at = pattern.find('\'', at + 2))
        pattern.insert(at, 1, '\'');
      CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE error_message LIKE '" + pattern +
                      "'") == 3);
      CHECK(s.f.count(
                "SELECT count(*) FROM pipeline_records WHERE error_message LIKE '%s3cret-pw%'") ==
            0);
      CHECK(s.f.count("SELECT count(*) FROM pipeline_events WHERE message LIKE '%s3cret-pw%'") ==
            0);
      CHECK(s.f.count("SELECT count(*) FROM mdst") == 0);
    }
  }
}
