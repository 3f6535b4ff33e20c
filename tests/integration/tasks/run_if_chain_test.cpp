// `run_if` through the real chain on a real PostgreSQL, from the YAML an operator writes: each
// kind of condition (sql, min_source_rows, file_exists, calendar) true lets the window load;
// false, it waits (PENDING, no attempt counted, next_attempt_at ahead, the reason in
// error_message and a WAITING event) or, with on_false: skip, ends SKIPPED with the reason,
// nothing read either way (a calendar day is skipped even under wait). A marker that
// appears later lets a waiting window run; give_up_after reached ends it FAILED with the
// reason; a query that errors is a retryable error, never a pass; `status` says why the
// window waits; a query on a named connection to MariaDB or ClickHouse decides as well.
#include <catch2/catch.hpp>

#include <map>
#include <thread>

#include "framework/store/operator.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/files.hpp"
#include "tests/support/mysql_database.hpp"
#include "tests/support/test_clickhouse.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

using test::kNow;

struct Setup {
  test::ChainFixture f;
  test::TempDir dir;
  test::TempDir markers;

  Setup() {
    f.seed_source(1, 10);
    f.exec("CREATE TABLE ready (day date PRIMARY KEY, done boolean NOT NULL)");
  }

  // One hourly window, 2024-01-01T00:00Z (a Monday), src -> dst with `run_if` (its lines,
  // indented) and retries every second; `connections` (their lines) beside `warehouse`.
  std::shared_ptr<const tasks::PipelineRuntime> pipeline(
      const std::string& run_if, const std::string& retries = "1",
      const std::string& connections = "", std::map<std::string, std::string> env = {}) {
    return f.runtime_from_yaml(
        dir.path(), "orders.yaml",
        "id: orders\nsource:\n  connection: warehouse\n  table: src\n  time_column: event_time\n"
        "target:\n  connection: warehouse\n  table: dst\nwindow:\n  granularity: 1h\n"
        "  start_date: 2024-01-01\n  end_date: 2024-01-01T01:00:00Z\n"
        "retries:\n  max: " +
            retries + "\n  base_delay: 1s\n  max_delay: 1s\nrun_if:\n" + run_if,
        connections, std::move(env));
  }

  void run(std::shared_ptr<const tasks::PipelineRuntime> p, int rounds = 1) {
    test::run_until_settled(f, std::move(p), kNow, rounds);
  }

  std::string record(const std::string& column) const {
    auto c = f.db().connect();
    auto r = test::run_sql(*c, "SELECT coalesce((" + column + ")::text, '') FROM pipeline_records");
    REQUIRE(r.size() == 1);
    return r[0][0].c_str();
  }
  std::int64_t loaded() const { return f.count("SELECT count(*) FROM dst"); }
  void forget() const {
    f.exec("TRUNCATE dst; DELETE FROM pipeline_events; DELETE FROM pipeline_records");
  }
  // The window may be claimed again at once.
  void due_now() const { f.exec("UPDATE pipeline_records SET next_attempt_at = now()"); }

  std::string marker() const { return (markers.path() / "2024010100" / "_SUCCESS").string(); }
};

struct Kind {
  std::string name;
  std::string holds;   // run_if lines under which the window runs
  std::string fails;   // and under which it may not
  std::string reason;  // the start of the reason given when it may not
};

std::vector<Kind> kinds(const Setup& s) {
  const std::string dir = s.markers.path().string();
  return {
      {"sql", "  sql: SELECT done FROM ready WHERE day = :target_day\n",
       "  sql: SELECT done FROM ready WHERE day = :target_day - 1\n",
       "sql on connection 'warehouse' selected no row, or NULL"},
      {"min_source_rows", "  min_source_rows: 10\n", "  min_source_rows: 11\n",
       "min_source_rows: the source has 10 rows in the window, fewer than 11"},
      {"file_exists", "  file_exists: " + dir + "/{window_start:%Y%m%d%H}/_SUCCESS\n",
       "  file_exists: " + dir + "/{window_start:%Y%m%d%H}/_DONE\n",
       "file_exists: " + dir + "/2024010100/_DONE does not exist"},
      {"calendar", "  calendar: [sunday, 2024-01-02]\n", "  calendar: [2024-12-25, mon]\n",
       "calendar: Monday 2024-01-01 is listed (monday)"},
  };
}

// `sql` on the connection `control` (`connection`: its lines), another server: the query
// `holds` for 2024-01-01, `fails` (the server's answer: `selected`) makes the window wait, or
// with on_false: skip end SKIPPED.
void named_connection_decides(Setup& s, const std::string& connection,
                              const std::map<std::string, std::string>& env,
                              const std::string& holds, const std::string& fails,
                              const std::string& selected) {
  const auto on_control = [&](const std::string& query, const std::string& more = "") {
    return s.pipeline("  connection: control\n  sql: " + query + "\n" + more, "1",
                      "  control:\n" + connection, env);
  };
  s.run(on_control(holds));
  CHECK(s.record("pipeline_status") == "SUCCESS");
  CHECK(s.loaded() == 10);

  s.forget();
  s.run(on_control(fails));
  CHECK(s.record("pipeline_status") == "PENDING");
  CHECK(s.record("retry_attempt") == "0");
  CHECK_THAT(s.record("error_message"),
             StartsWith("waiting for run_if: sql on connection 'control' selected '" + selected +
                        "'; next check at "));
  CHECK(s.loaded() == 0);

  s.forget();
  s.run(on_control(fails, "  on_false: skip\n"));
  CHECK(s.record("pipeline_status") == "SKIPPED");
  CHECK(s.record("error_message") ==
        "skipped by run_if: sql on connection 'control' selected '" + selected + "'");
  CHECK(s.loaded() == 0);
}

}  // namespace

TEST_CASE("run_if: each kind of condition, true and false, in wait and in skip",
          "[integration][chain][run_if]") {
  Setup s;
  s.f.exec("INSERT INTO ready VALUES ('2024-01-01', true), ('2023-12-30', false)");
  test::write_file(s.marker(), "");
  for (const auto& k : kinds(s)) {
    INFO(k.name);
    s.forget();
    s.run(s.pipeline(k.holds));
    CHECK(s.record("pipeline_status") == "SUCCESS");
    CHECK(s.loaded() == 10);

    s.forget();
    s.run(s.pipeline(k.fails));
    CHECK(s.loaded() == 0);
    if (k.name == "calendar") {
      // A listed day never changes: waiting cannot help.
      CHECK(s.record("pipeline_status") == "SKIPPED");
      CHECK(s.record("error_message") == "skipped by run_if: " + k.reason);
    } else {
      CHECK(s.record("pipeline_status") == "PENDING");
      CHECK(s.record("retry_attempt") == "0");
      // Not claimable again before the delay (1s, retries.base_delay) has passed.
      CHECK(s.record("next_attempt_at >= record_last_updated_time + interval '1 second'") ==
            "true");
      CHECK_THAT(s.record("error_message"), StartsWith("waiting for run_if: " + k.reason + "; "));
      CHECK(s.f.count("SELECT count(*) FROM pipeline_events WHERE task = 'store_validate' AND "
                      "outcome = 'WAITING' AND to_status = 'PENDING'") == 1);
    }
    CHECK(s.f.count("SELECT count(*) FROM pipeline_events WHERE task IN ('pre_validation', "
                    "'source_to_stage')") == 0);

    s.forget();
    s.run(s.pipeline(k.fails + "  on_false: skip\n"));
    CHECK(s.loaded() == 0);
    CHECK(s.record("pipeline_status") == "SKIPPED");
    CHECK(s.record("error_message") == "skipped by run_if: " + k.reason);
    CHECK(s.record("retry_attempt") == "0");
  }
}

TEST_CASE("run_if: every condition must hold", "[integration][chain][run_if]") {
  Setup s;
  s.f.exec("INSERT INTO ready VALUES ('2024-01-01', true)");
  test::write_file(s.marker(), "");
  std::string all;
  for (const auto& k : kinds(s)) all += k.holds;
  s.run(s.pipeline(all));
  CHECK(s.record("pipeline_status") == "SUCCESS");
  CHECK(s.loaded() == 10);

  s.forget();
  s.f.exec("UPDATE ready SET done = false");
  s.run(s.pipeline(all + "  on_false: skip\n"));
  CHECK(s.record("error_message") ==
        "skipped by run_if: sql on connection 'warehouse' selected 'f'");
}

TEST_CASE("run_if: a marker that appears later lets the waiting window run",
          "[integration][chain][run_if]") {
  Setup s;
  const auto p = s.pipeline("  file_exists: " + s.markers.path().string() +
                            "/{window_start:%Y%m%d%H}/_SUCCESS\n");
  s.run(p);
  CHECK(s.record("pipeline_status") == "PENDING");
  CHECK_THAT(s.record("error_message"), Contains(s.marker() + " does not exist"));
  // Still missing at the next check: it waits again.
  s.due_now();
  s.run(p);
  CHECK(s.record("pipeline_status") == "PENDING");
  CHECK(s.f.count("SELECT count(*) FROM pipeline_events WHERE outcome = 'WAITING'") == 2);

  test::write_file(s.marker(), "");
  // The next check comes by itself (base_delay 1s): run until it has.
  s.run(p, 10);
  CHECK(s.record("pipeline_status") == "SUCCESS");
  CHECK(s.record("retry_attempt") == "0");
  CHECK(s.record("error_message").empty());
  CHECK(s.f.source_target_difference() == 0);
}

TEST_CASE("run_if: give_up_after reached ends the window FAILED with the reason",
          "[integration][chain][run_if]") {
  Setup s;
  s.f.exec("INSERT INTO ready VALUES ('2024-01-01', false)");
  const auto p =
      s.pipeline("  sql: SELECT done FROM ready WHERE day = :target_day\n  give_up_after: 1h\n");
  s.run(p);
  CHECK(s.record("pipeline_status") == "PENDING");
  CHECK_THAT(s.record("error_message"), Contains("(give_up_after 1h)"));
  // give_up_after counts from the first claim, by the database clock.
  s.f.exec(
      "UPDATE pipeline_records SET pipeline_start_time = pipeline_start_time - interval "
      "'2 hours', next_attempt_at = now()");
  s.run(p);
  CHECK(s.record("pipeline_status") == "FAILED");
  CHECK(s.record("retry_attempt") == "0");
  CHECK_THAT(s.record("error_message"), StartsWith("run_if still false 2h"));
  CHECK_THAT(s.record("error_message"),
             Contains("after the first claim (give_up_after 1h): sql on connection 'warehouse' "
                      "selected 'f'"));
  CHECK(s.loaded() == 0);

  SECTION("a rerun starts the wait again") {
    auto c = s.f.db().connect();
    store::Operator op(*c, "test:1");
    REQUIRE(op.rerun({.pipeline = PipelineId{"orders"}}, Trigger::manual,
                     {.actor = "me", .command = "rerun"}) == 1);
    s.run(p);
    CHECK(s.record("pipeline_status") == "PENDING");
    CHECK_THAT(s.record("error_message"), StartsWith("waiting for run_if: "));
  }
}

TEST_CASE("run_if: a condition query that errors is a retryable error, never a pass",
          "[integration][chain][run_if]") {
  Setup s;
  const auto p = s.pipeline("  sql: SELECT done FROM missing_table WHERE day = :target_day\n");
  s.run(p);
  CHECK(s.record("pipeline_status") == "PENDING");
  CHECK(s.record("retry_attempt") == "1");
  CHECK_THAT(s.record("error_message"),
             StartsWith("retryable: run_if.sql on connection 'warehouse': "));
  CHECK_THAT(s.record("error_message"), Contains("missing_table"));
  // Retries used up: FAILED, and nothing was read.
  s.run(p, 10);
  CHECK(s.record("pipeline_status") == "FAILED");
  CHECK_THAT(s.record("error_message"), Contains("(retries used up: 1)"));
  CHECK(s.loaded() == 0);

  SECTION("a first column neither boolean nor number fails the window at once") {
    s.forget();
    s.run(s.pipeline("  sql: SELECT 'ready'\n"));
    CHECK(s.record("pipeline_status") == "FAILED");
    CHECK(s.record("error_message") ==
          "permanent: run_if.sql on connection 'warehouse': its first column is 'ready', neither "
          "a boolean nor a number");
  }
}

TEST_CASE("run_if: status says why the oldest window waits", "[integration][chain][run_if]") {
  Setup s;
  s.run(s.pipeline("  min_source_rows: 1000\n"));
  auto c = s.f.db().connect();
  store::Operator op(*c, "test:1");
  const std::vector<std::string> ids{"orders"};
  auto counts = op.counts(ids, ids);
  REQUIRE(counts);
  REQUIRE(counts->size() == 1);
  CHECK_THAT(counts->front().waiting_on,
             StartsWith("waiting for run_if: min_source_rows: the source has 10 rows in the "
                        "window, fewer than 1000; next check at "));
  // Not asked for this pipeline (the metrics refresh asks for none): not looked up.
  counts = op.counts(ids, {});
  REQUIRE(counts);
  CHECK(counts->front().pending >= 1);
  CHECK(counts->front().waiting_on.empty());
  // Once it is no longer waiting on run_if (a retry, say), status does not say it is.
  s.f.exec(
      "INSERT INTO pipeline_events (record_id, pipeline_id, task, outcome) SELECT id, "
      "pipeline_id, 'operator', 'RERUN' FROM pipeline_records");
  counts = op.counts(ids, ids);
  REQUIRE(counts);
  CHECK(counts->front().waiting_on.empty());
}

TEST_CASE("run_if: sql on a named MariaDB connection decides whether a window loads",
          "[integration][chain][run_if][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  test::MysqlDatabase my;
  my.exec("CREATE TABLE batches (day DATE PRIMARY KEY, done BOOLEAN NOT NULL)");
  my.exec("INSERT INTO batches VALUES ('2024-01-01', TRUE), ('2023-12-31', FALSE)");
  Setup s;
  named_connection_decides(s, "    kind: mysql\n    url: ${env:MY_URL}\n", {{"MY_URL", my.url()}},
                           "SELECT done FROM batches WHERE day = :target_day",
                           "SELECT done FROM batches WHERE day = :target_day - INTERVAL 1 DAY",
                           "0");
}

TEST_CASE("run_if: sql on a named ClickHouse connection decides whether a window loads",
          "[integration][chain][run_if][clickhouse]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  ch->query_in_database(
      "CREATE TABLE batches (day Date, rows UInt64) ENGINE = MergeTree ORDER BY day");
  ch->query_in_database("INSERT INTO batches VALUES ('2024-01-01', 10), ('2023-12-31', 0)");
  Setup s;
  named_connection_decides(
      s, "    kind: clickhouse\n    url: ${env:CH_URL}\n    database: " + ch->database() + "\n",
      {{"CH_URL", ch->url()}}, "SELECT rows >= 10 FROM batches WHERE day = :target_day",
      "SELECT rows >= 10 FROM batches WHERE day = :target_day - 1", "0");
}
