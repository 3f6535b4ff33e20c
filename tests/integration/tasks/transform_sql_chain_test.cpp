// A computed column the PostgreSQL target evaluates (`transform.columns[].sql`) through the real
// chain, from the YAML an operator writes to the rows in the target: values exact, a re-run
// replaces the window, and a bad expression fails the window for good with nothing loaded.
#include <catch2/catch.hpp>

#include "tests/support/chain_fixture.hpp"
#include "tests/support/files.hpp"

using namespace sluice;

namespace {

using test::kNow;

// `cents` is line 20 of the pipeline file, its item at column 5.
std::string pipeline_yaml(const std::string& cents_sql) {
  return "id: orders_sql\n"
         "source:\n"
         "  connection: warehouse\n"
         "  table: src\n"
         "  time_column: event_time\n"
         "target:\n"
         "  connection: warehouse\n"
         "  table: tsql\n"
         "window:\n"
         "  granularity: 1h\n"
         "  start_date: 2024-01-01\n"
         "  end_date: 2024-01-01T02:00:00Z\n"
         "transform:\n"
         "  columns:\n"
         "  - name: order_id\n"
         "    from: id\n"
         "  - name: event_time\n"
         "  - name: amount\n"
         "  - name: note\n"
         "  - name: cents\n"
         "    sql: \"" +
         cents_sql +
         "\"\n"
         "  - name: shout\n"
         "    sql: \"upper(note) || '!'\"\n";
}

struct Setup {
  test::ChainFixture f;
  test::TempDir dir;

  Setup() {
    f.seed_source(2, 10);
    f.exec(
        "CREATE TABLE tsql (order_id bigint, event_time timestamptz NOT NULL, amount "
        "numeric(12,2), note text, cents bigint NOT NULL, shout text)");
  }

  std::shared_ptr<const tasks::PipelineRuntime> pipeline(const std::string& cents_sql) {
    return f.runtime_from_yaml(dir.path(), "orders.yaml", pipeline_yaml(cents_sql));
  }

  // Rows of the expected result and of the target that differ, both ways.
  std::int64_t difference() const {
    return f.difference(
        "SELECT id, event_time, amount, note, (amount * 100)::bigint, upper(note) || '!' FROM src",
        "tsql");
  }
  std::string errors() const { return f.error_messages(); }
  void forget_records() const { f.forget_records(); }
};

}  // namespace

TEST_CASE("a SQL column is computed by the PostgreSQL target as it loads each window",
          "[integration][chain][transform]") {
  Setup s;
  const auto summary = test::run_until_settled(s.f, s.pipeline("(amount * 100)::bigint"), kNow);
  CHECK(summary.success == 2);
  CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                  "audit_result = 'PASS' AND source_count = 10 AND target_count = 10") == 2);
  CHECK(s.f.count("SELECT count(*) FROM tsql") == 20);
  CHECK(s.difference() == 0);
  // Spelled out for a few rows: 3 * 1.25 is 375 cents, NULL notes stay NULL.
  CHECK(s.f.count("SELECT cents FROM tsql WHERE order_id = 100003") == 375);
  CHECK(s.f.count("SELECT count(*) FROM tsql WHERE note IS NULL AND shout IS NULL") == 4);
  CHECK(s.f.count("SELECT count(*) FROM tsql WHERE order_id = 1 AND shout LIKE 'ROW 1%!'") == 1);

  SECTION("a re-run replaces a window whole and leaves a loaded one as it is") {
    s.f.exec(
        "UPDATE tsql SET cents = -1 WHERE order_id = 3;"
        "INSERT INTO tsql VALUES (999, '2024-01-01T00:30:00Z', 1, 'stray', 0, 'STRAY')");
    s.forget_records();
    const auto again = test::run_until_settled(s.f, s.pipeline("(amount * 100)::bigint"), kNow);
    CHECK(again.success == 1);  // the first window, 11 rows for 10
    CHECK(again.skipped == 1);  // the second, already loaded
    CHECK(s.f.count("SELECT count(*) FROM tsql") == 20);
    // The corrupted row was in the replaced window, so it is right again.
    CHECK(s.difference() == 0);
  }
}

TEST_CASE("a bad SQL column fails the window for good, with a clear error and nothing loaded",
          "[integration][chain][transform]") {
  struct Case {
    const char* name;
    const char* sql;
    const char* error;
  };
  const Case cases[] = {
      {"a column that does not exist: the error names the transform column", "amont * 100",
       "permanent: {dir}/pipelines.d/orders.yaml:20:5: transform column 'cents', sql "
       "`amont * 100`: column \"amont\" does not exist (hint: Perhaps you meant to reference "
       "the column \"loaded.amount\""},
      {"an error while rows are computed: every computed column is named", "amount / 0",
       "permanent: INSERT into tsql with the computed columns 'cents' "
       "({dir}/pipelines.d/orders.yaml:20:5), "
       "'shout' ({dir}/pipelines.d/orders.yaml:22:5): division by zero [SQLSTATE 22012]"},
      {"a NULL computed for a NOT NULL column is an integrity error", "NULL",
       "integrity: INSERT into tsql with the computed columns 'cents' "
       "({dir}/pipelines.d/orders.yaml:20:5), "
       "'shout' ({dir}/pipelines.d/orders.yaml:22:5): null value in column \"cents\" of relation "
       "\"tsql\" "
       "violates not-null constraint"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      Setup s;
      // A row already in the first window: a failed load must leave it (its DELETE rolls back).
      s.f.exec("INSERT INTO tsql VALUES (999, '2024-01-01T00:30:00Z', 1, 'before', 100, 'BEFORE')");
      const auto summary = test::run_until_settled(s.f, s.pipeline(c.sql), kNow);
      CHECK(summary.failed == 2);
      CHECK(summary.retries == 0);
      // The message names the pipeline file as the daemon loaded it, here under a temporary
      // directory; PostgreSQL's hint may go on to name more candidate columns.
      std::string error = c.error;
      for (auto at = error.find("{dir}"); at != std::string::npos; at = error.find("{dir}"))
        error.replace(at, 5, s.dir.path().string());
      const std::string where = "starts_with(error_message, $$" + error + "$$)";
      INFO(s.errors());
      CHECK(
          s.f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'FAILED' AND " +
                    where) == 2);
      CHECK(s.f.count("SELECT count(*) FROM tsql") == 1);
      CHECK(s.f.count("SELECT count(*) FROM tsql WHERE order_id = 999 AND note = 'before'") == 1);
    }
  }
}
