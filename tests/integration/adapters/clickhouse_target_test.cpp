// PostgreSQL -> ClickHouse through the real chain and runner, on the Debian 12 server:
// exact rows over three windows (one empty), loads that never double a window, both load
// methods, and bad input ending in a classified error with nothing half loaded.
#include <catch2/catch.hpp>

#include <thread>

#include "framework/adapters/stage_local/local_stage.hpp"
#include "tasks/runner.hpp"
#include "tests/integration/adapters/clickhouse_cases.hpp"

using namespace sluice;
using namespace sluice::test::ch_cases;
namespace ch_adapter = sluice::adapters::clickhouse;

namespace {

std::shared_ptr<tasks::PipelineRuntime> to_clickhouse(const test::ChainFixture& f,
                                                      ch_adapter::TargetOptions o,
                                                      const std::string& id = "orders") {
  auto p = f.pipeline(kWindows, id);
  p->target = ch_adapter::make_target(std::move(o));
  p->backoff = {std::chrono::seconds(1), std::chrono::seconds(1)};
  return p;
}

void check_records_loaded(const test::ChainFixture& f, const std::string& pipeline) {
  CHECK(f.count(
            "SELECT count(*) FROM pipeline_records WHERE pipeline_id = '" + pipeline +
            "' AND pipeline_status = 'SUCCESS' AND audit_result = 'PASS' AND source_count = 3 AND "
            "target_count = 3 AND stage_count = 3") == 2);
  // The empty window: both sides hold nothing, which pre-validation reports as loaded.
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_id = '" + pipeline +
                "' AND pipeline_status = 'SKIPPED' AND source_count = 0 AND target_count = 0 AND "
                "window_start_time = "
                "'2024-01-01T01:00:00Z'") == 1);
}

// Windows loaded by the streamed path: the target's load was fed while the stage file was
// written, so its task started before the staging one ended (a load from the stage file
// starts after it).
std::int64_t streamed_loads(const test::ChainFixture& f, const std::string& pipeline) {
  return f.count(
      "SELECT count(*) FROM pipeline_events l JOIN pipeline_events s USING (record_id) WHERE "
      "l.pipeline_id = '" +
      pipeline +
      "' AND l.task = 'stage_to_target' AND l.outcome = 'SUCCESS' AND s.task = "
      "'source_to_stage' AND s.outcome = 'SUCCESS' AND l.started_at < s.ended_at");
}

}  // namespace

TEST_CASE(
    "PostgreSQL -> ClickHouse (delete_insert): three windows copied exactly, a re-run changes "
    "nothing",
    "[integration][clickhouse]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  test::ChainFixture f;
  seed_postgres(f, "src");
  const std::string dst = ch->database() + ".dst";
  ch->query(ch_table_ddl(dst, "toDate(event_time)"));
  const ch_adapter::TargetOptions target{
      .connection = connection(*ch), .table = "dst", .time_column = "event_time"};

  const auto first = settle(f, to_clickhouse(f, target));
  CHECK(first.success == 2);
  CHECK(first.failed == 0);
  CHECK(clickhouse_rows(*ch, dst) == expected_rows());
  check_records_loaded(f, "orders");
  CHECK(streamed_loads(f, "orders") == 2);

  // A window whose target lost a row is loaded again: replaced, not appended to.
  ch->query("ALTER TABLE " + dst + " DELETE WHERE id = 1");
  ch->wait_for_mutations();
  const auto again = settle(f, to_clickhouse(f, target, "orders_again"));
  CHECK(again.success == 1);  // window 0; window 2 is equal on both sides and SKIPPED
  CHECK(again.skipped == 2);
  CHECK(streamed_loads(f, "orders_again") == 1);
  CHECK(clickhouse_rows(*ch, dst) == expected_rows());

  // A window whose source gained a row: loaded again, the new row in, nothing doubled.
  const Row late = {"8", "2024-01-01 02:30:00", "late row", "4.00"};
  f.exec("INSERT INTO src VALUES (8, '2024-01-01 02:30:00+00', 'late row', 4.00)");
  const auto third = settle(f, to_clickhouse(f, target, "orders_third"));
  CHECK(third.success == 1);  // window 2
  CHECK(streamed_loads(f, "orders_third") == 1);
  auto with_late = expected_rows();
  with_late.push_back(late);
  CHECK(clickhouse_rows(*ch, dst) == with_late);
}

TEST_CASE("ClickHouse load of a staged window twice (a lost response, retried) leaves one copy",
          "[integration][clickhouse]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  test::TempDir stage_dir;
  adapters::LocalStage stage(stage_dir.path());
  const adapters::WindowContext ctx{
      PipelineId{"orders"},
      Window{test::kFixtureStart, test::kFixtureStart + std::chrono::hours(1)},
      RunId{"manual__test"}};
  {
    auto writer = stage.open_writer(ctx);
    REQUIRE(writer);
    const std::vector<adapters::Column> columns = {{"id"}, {"event_time"}, {"note"}, {"amount"}};
    REQUIRE((*writer)->begin(columns));
    for (const auto& row : expected_rows()) {
      if (row[1]->substr(0, 13) != "2024-01-01 00") continue;
      std::vector<adapters::Field> fields;
      for (const auto& v : row) fields.push_back(v ? adapters::Field(*v) : std::nullopt);
      REQUIRE((*writer)->row(fields));
    }
    REQUIRE((*writer)->end());
    REQUIRE((*writer)->commit());
  }
  for (const auto method :
       {ch_adapter::LoadMethod::delete_insert, ch_adapter::LoadMethod::replace_partition}) {
    const std::string table =
        method == ch_adapter::LoadMethod::delete_insert ? "by_delete" : "by_partition";
    INFO(table);
    ch->query(ch_table_ddl(ch->database() + "." + table, "toStartOfHour(event_time)"));
    auto target = ch_adapter::make_target({.connection = connection(*ch),
                                           .table = table,
                                           .time_column = "event_time",
                                           .method = method,
                                           .partition_expression = "toStartOfHour(event_time)"});
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto reader = stage.open_reader(ctx);
      REQUIRE(reader);
      auto loaded = target->load(ctx, **reader);
      REQUIRE(loaded);
      CHECK(loaded->rows == 3);
      CHECK(*target->count(ctx) == 3);
    }
    const auto rows = clickhouse_rows(*ch, ch->database() + "." + table);
    CHECK(rows == std::vector<Row>(kRows.begin(), kRows.begin() + 3));
    // No staging table is left behind.
    CHECK(ch->count("system.tables WHERE database = '" + ch->database() +
                    "' AND name LIKE '%sluice%'") == 0);
  }
}

TEST_CASE(
    "PostgreSQL -> ClickHouse (replace_partition): exact windows, and a window that is not one "
    "partition",
    "[integration][clickhouse]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  test::ChainFixture f;
  seed_postgres(f, "src");
  SECTION("hourly partitions for hourly windows") {
    const std::string dst = ch->database() + ".dst";
    ch->query(ch_table_ddl(dst, "toStartOfHour(event_time)"));
    const auto s =
        settle(f, to_clickhouse(f, {.connection = connection(*ch),
                                    .table = "dst",
                                    .time_column = "event_time",
                                    .method = ch_adapter::LoadMethod::replace_partition,
                                    .partition_expression = "toStartOfHour(event_time)"}));
    CHECK(s.success == 2);
    CHECK(clickhouse_rows(*ch, dst) == expected_rows());
    check_records_loaded(f, "orders");
    CHECK(streamed_loads(f, "orders") == 2);
  }
  SECTION("daily partitions for hourly windows: refused before anything is written") {
    const std::string dst = ch->database() + ".daily";
    ch->query(ch_table_ddl(dst, "toDate(event_time)"));
    const auto s = settle(f, to_clickhouse(f, {.connection = connection(*ch),
                                               .table = "daily",
                                               .time_column = "event_time",
                                               .method = ch_adapter::LoadMethod::replace_partition,
                                               .partition_expression = "toDate(event_time)"}));
    CHECK(s.failed == 2);
    CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'FAILED' AND "
                  "retry_attempt = 0 AND "
                  "error_message LIKE '%is not exactly one partition of daily%'") == 2);
    CHECK(ch->count(dst) == 0);
  }
}

TEST_CASE(
    "PostgreSQL -> ClickHouse bad input: a classified error on the record, no secret, nothing "
    "loaded",
    "[integration][clickhouse]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  test::ChainFixture f;
  seed_postgres(f, "src");
  const std::string dst = ch->database() + ".dst";
  ch->query(ch_table_ddl(dst, "toDate(event_time)"));
  struct Case {
    std::string name;
    std::function<void(ch_adapter::TargetOptions&)> change;
    std::string message;  // in every failed record's error_message
    int retry_attempt;    // 1: retryable (retried once), 0: permanent
  };
  const std::vector<Case> cases = {
      {"unreachable server", [](auto& o) { o.connection.url = "http://127.0.0.1:1"; },
       "127.0.0.1:1", 1},
      {"wrong password",
       [](auto& o) {
         o.connection.user = "sluice";
         o.connection.password = "wrong-Secret-42";
       },
       "Code 193: Wrong password for user sluice", 0},
      {"missing table", [](auto& o) { o.table = "no_such_table"; }, "Code 60: Table", 0},
      // A NULL (window 0) and a long text (window 2) for a FixedString(4): the INSERT fails.
      {"unloadable data", [](auto& o) { o.table = "strict"; }, "INSERT into strict", 0},
  };
  ch->query("CREATE TABLE " + ch->database() +
            ".strict (id Int64, event_time DateTime, note FixedString(4), amount "
            "Nullable(Decimal(12, 2))) "
            "ENGINE = MergeTree "
            "ORDER BY id");
  int n = 0;
  for (const auto& c : cases) {
    INFO(c.name);
    ch_adapter::TargetOptions o{
        .connection = connection(*ch), .table = "dst", .time_column = "event_time"};
    c.change(o);
    auto p = to_clickhouse(f, o, "bad_" + std::to_string(n++));
    p->max_retries = 1;
    const auto s = settle(f, p);
    CHECK(s.success == 0);
    CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_id = '" + p->id.value +
                  "' AND pipeline_status = 'FAILED' AND retry_attempt = " +
                  std::to_string(c.retry_attempt) + " AND error_message LIKE '%" + c.message +
                  "%' AND error_message NOT LIKE '%wrong-Secret-42%'") >= 2);
    CHECK(ch->count(dst) == 0);
    CHECK(ch->count(ch->database() + ".strict") == 0);
  }
}
