// Data checks (`checks:`) through the real chain on PostgreSQL, from the YAML an operator
// writes: each kind passing, failing with severity warn (SUCCESS, recorded in window_checks,
// told as check_warning) and failing with severity error (FAILED, audit_result CHECK_FAILED,
// not retried, told as check_failed); a check whose query errors retried, never passed.
//
// The fixture's windows hold 10 rows each: ids unique, notes NULL for 2 of them (so 1
// duplicate of note, two NULLs being one value), amounts summing to 56.25.
#include <catch2/catch.hpp>

#include "framework/store/registry.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/files.hpp"

using namespace sluice;

namespace {

using test::kNow;

struct Setup {
  test::ChainFixture f;
  test::TempDir dir;

  Setup() {
    f.seed_source(2, 10);
    auto c = f.db().connect();
    const std::vector<store::PipelineRegistration> r{
        {"orders",
         "hash",
         std::chrono::minutes(5),
         {"check_warning", "check_failed", "audit_mismatch", "window_failed"}}};
    REQUIRE(store::register_pipelines(*c, r, "test:1") == 1);
  }

  // src -> dst, two hourly windows, `checks` the YAML list's items (each `  - ...\n`).
  std::shared_ptr<const tasks::PipelineRuntime> pipeline(const std::string& checks,
                                                         int retries = 0) {
    return f.runtime_from_yaml(
        dir.path(), "orders.yaml",
        "id: orders\nsource:\n  connection: warehouse\n  table: src\n  time_column: "
        "event_time\ntarget:\n  connection: warehouse\n  table: dst\nwindow:\n  granularity: 1h\n"
        "  start_date: 2024-01-01\n  end_date: 2024-01-01T02:00:00Z\nretries:\n  max: " +
            std::to_string(retries) + "\n  base_delay: 1s\n  max_delay: 1s\nchecks:\n" + checks);
  }

  tasks::RunSummary run(const std::string& checks, int retries = 0) {
    return test::run_until_settled(f, pipeline(checks, retries), kNow);
  }

  // window_checks rows matching `where`.
  std::int64_t checks(const std::string& where) const {
    return f.count("SELECT count(*) FROM window_checks WHERE " + where);
  }
  std::int64_t notifications(const std::string& event) const {
    return f.count("SELECT count(*) FROM notifications WHERE event = '" + event + "'");
  }
  // Every record, event, check and notification gone: the windows are new again.
  void forget() const {
    f.exec("DELETE FROM notifications; DELETE FROM window_checks");
    f.forget_records();
  }
  // The load adds 1 to the amount of one row of each window: the target's sum is the
  // source's + 1.
  void skew_target_sums() const {
    f.exec(
        "CREATE FUNCTION skew() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.id % 100000 = 3 THEN NEW.amount := NEW.amount + 1; END IF; RETURN NEW; END $$;"
        "CREATE TRIGGER skew BEFORE INSERT ON dst FOR EACH ROW EXECUTE FUNCTION skew()");
  }
};

const std::string kWindowOfDst = "event_time >= :window_start AND event_time < :window_end";

// `text` inside an SQL string literal.
std::string quoted(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out;
}

}  // namespace

TEST_CASE("checks of every kind that pass leave the window SUCCESS with their rows",
          "[integration][chain][checks]") {
  Setup s;
  const auto summary = s.run(
      "  - not_null: [id, event_time]\n"
      "  - {unique: [id], severity: warn}\n"
      "  - sum_match: amount\n"
      "  - {name: amount_pct, sum_match: amount, tolerance: 0.5%, severity: warn}\n"
      "  - {name: negative, sql: 'SELECT id FROM dst WHERE " +
      kWindowOfDst +
      " AND amount < 0'}\n"
      "  - {name: rows, sql: 'SELECT count(*) FROM dst WHERE " +
      kWindowOfDst + "', min: 10, max: 10}\n");
  INFO(s.f.error_messages());
  CHECK(summary.success == 2);
  CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                  "audit_result = 'PASS' AND error_message IS NULL") == 2);
  CHECK(s.checks("passed") == 12);
  CHECK(s.checks("true") == 12);
  // Each row names its record's run, its kind and severity, and the figure it judged.
  CHECK(s.checks("run_id = (SELECT dag_run_id FROM pipeline_records r WHERE r.id = record_id) "
                 "AND pipeline_id = 'orders' AND checked_at IS NOT NULL") == 12);
  CHECK(s.checks("check_name = 'not_null_id_event_time' AND kind = 'not_null' AND severity = "
                 "'error' AND observed = 0 AND message = 'no NULL in id, event_time'") == 2);
  CHECK(s.checks("check_name = 'unique_id' AND severity = 'warn' AND observed = 0") == 2);
  CHECK(s.checks("check_name = 'sum_match_amount' AND kind = 'sum_match' AND observed = 0 AND "
                 "message LIKE 'source sum of amount 56.25%, target sum of amount 56.25%'") == 2);
  CHECK(s.checks("check_name = 'negative' AND kind = 'sql' AND observed = 0") == 2);
  CHECK(s.checks("check_name = 'rows' AND observed = 10 AND message = 'returned 10 (min 10, max "
                 "10)'") == 2);
  CHECK(s.f.count("SELECT count(*) FROM pipeline_events WHERE task = 'audit' AND outcome = "
                  "'SUCCESS' AND message = '6 checks passed'") == 2);
  CHECK(s.notifications("check_warning") + s.notifications("check_failed") == 0);
}

TEST_CASE("checks of severity warn that fail leave the window SUCCESS, recorded and told",
          "[integration][chain][checks]") {
  Setup s;
  s.skew_target_sums();
  const auto summary = s.run(
      "  - {not_null: [note], severity: warn}\n"
      "  - {unique: [note], severity: warn}\n"
      "  - {sum_match: amount, tolerance: 0.5, severity: warn}\n"
      "  - {name: null_notes, sql: 'SELECT id, note FROM dst WHERE " +
      kWindowOfDst +
      " AND note IS NULL ORDER BY id;', severity: warn}\n"
      "  - {name: rows, sql: 'SELECT count(*) FROM dst WHERE " +
      kWindowOfDst + "', max: 5, severity: warn}\n");
  INFO(s.f.error_messages());
  CHECK(summary.success == 2);
  CHECK(summary.retries == 0);
  CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                  "audit_result = 'PASS' AND error_message IS NULL") == 2);
  CHECK(s.checks("NOT passed AND severity = 'warn'") == 10);
  CHECK(s.checks("check_name = 'not_null_note' AND observed = 2 AND message = '2 rows of the "
                 "window with NULL in note'") == 2);
  CHECK(s.checks("check_name = 'unique_note' AND observed = 1 AND message = '1 duplicate row: 1 "
                 "value of (note) appears more than once'") == 2);
  CHECK(s.checks("check_name = 'sum_match_amount' AND observed = 1 AND message LIKE '%target "
                 "sum of amount 57.25: difference 1 (tolerance 0.5)'") == 2);
  // The first offending row is shown, NULL as NULL.
  CHECK(s.checks("check_name = 'null_notes' AND observed = 2 AND message = '2 rows; the first: "
                 "(''0'', NULL)'") == 1);
  CHECK(s.checks("check_name = 'rows' AND observed = 10 AND message = 'returned 10 (max 5)'") == 2);
  // The audit's event says what warned; each failed check is told once.
  CHECK(s.f.count("SELECT count(*) FROM pipeline_events WHERE task = 'audit' AND to_status = "
                  "'SUCCESS' AND message LIKE 'warning: check ''not_null_note'' failed: 2 rows%' "
                  "AND message LIKE '%check ''rows'' failed: returned 10 (max 5)'") == 2);
  CHECK(s.notifications("check_warning") == 10);
  CHECK(s.f.count("SELECT count(*) FROM notifications WHERE event = 'check_warning' AND message = "
                  "'check ''not_null_note'' (warn) failed: 2 rows of the window with NULL in "
                  "note' AND record_id IS NOT NULL AND window_start IS NOT NULL") == 2);
  CHECK(s.notifications("check_failed") == 0);
}

TEST_CASE("a check of severity error that fails ends the window FAILED, CHECK_FAILED, no retry",
          "[integration][chain][checks]") {
  Setup s;
  s.skew_target_sums();
  const auto [check, name, why] = GENERATE(table<std::string, std::string, std::string>({
      {"  - not_null: [note]\n", "not_null_note", "2 rows of the window with NULL in note"},
      {"  - unique: [note]\n", "unique_note", "1 duplicate row:"},
      {"  - {sum_match: amount, tolerance: 1%}\n", "sum_match_amount",
       "source sum of amount 56.25, target sum of amount 57.25: difference 1 (tolerance 1% of "
       "the source's sum)"},
      {"  - {name: nulls, sql: 'SELECT 1 FROM dst WHERE " + kWindowOfDst + " AND note IS NULL'}\n",
       "nulls", "2 rows; the first: ('1')"},
      {"  - {name: few, sql: 'SELECT count(*) FROM dst WHERE " + kWindowOfDst + "', min: 11}\n",
       "few", "returned 10 (min 11)"},
  }));
  INFO(name);
  // A passing check of severity warn beside it changes nothing.
  const auto summary = s.run(check + "  - {not_null: [id], severity: warn}\n");
  INFO(s.f.error_messages());
  CHECK(summary.failed == 2);
  CHECK(summary.retries == 0);
  CHECK(summary.success == 0);
  // The counts passed and are kept; the check decided.
  CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'FAILED' AND "
                  "audit_result = 'CHECK_FAILED' AND retry_attempt = 0 AND count_difference = 0 "
                  "AND phase_completed = 'AUDIT' AND error_message LIKE "
                  "'integrity: check ''" +
                  name + "'' failed: %" + quoted(why) + "%'") == 2);
  CHECK(s.checks("check_name = '" + name + "' AND NOT passed AND severity = 'error'") == 2);
  CHECK(s.checks("check_name = 'not_null_id' AND passed") == 2);
  CHECK(s.notifications("check_failed") == 2);
  CHECK(s.notifications("audit_mismatch") == 0);
  CHECK(s.notifications("window_failed") == 0);
}

TEST_CASE("a count audit that fails is an audit mismatch, and no check runs",
          "[integration][chain][checks]") {
  Setup s;
  // The load drops a row of each window.
  s.f.exec(
      "CREATE FUNCTION drop_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.id % 100000 = 4 THEN RETURN NULL; END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER drop_one BEFORE INSERT ON dst FOR EACH ROW EXECUTE FUNCTION drop_one()");
  const auto summary = s.run("  - not_null: [id]\n");
  CHECK(summary.failed == 2);
  CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE audit_result = 'FAIL'") == 2);
  CHECK(s.checks("true") == 0);
  CHECK(s.notifications("audit_mismatch") == 2);
  CHECK(s.notifications("check_failed") == 0);
}

TEST_CASE("a check whose query errors is retried, never passed", "[integration][chain][checks]") {
  Setup s;
  const std::string check =
      "  - {name: late, sql: 'SELECT 1 FROM late_rows WHERE t >= "
      ":window_start AND t < :window_end', severity: warn}\n";
  SECTION("the table appears before the retries are used up: the window passes then") {
    auto p = s.pipeline(check, 3);
    tasks::Runner runner(s.f.runner_options(2), {p});
    auto first = runner.run_once(kNow);
    REQUIRE(first);
    CHECK(first->retries == 2);
    CHECK(first->success == 0);
    CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING' AND "
                    "retry_attempt = 1 AND phase_completed = 'STAGE_TO_TARGET' AND audit_result "
                    "IS NULL AND error_message LIKE 'retryable: check ''late'' could not run: "
                    "%late_rows%'") == 2);
    CHECK(s.checks("true") == 0);
    s.f.exec("CREATE TABLE late_rows (t timestamptz)");
    const auto rest = test::run_until_settled(s.f, p, kNow);
    CHECK(rest.success == 2);
    CHECK(s.checks("check_name = 'late' AND passed AND observed = 0") == 2);
  }
  SECTION("the retries used up: FAILED with the error, never CHECK_FAILED") {
    const auto summary = s.run(check, 1);
    CHECK(summary.failed == 2);
    CHECK(summary.success == 0);
    CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'FAILED' AND "
                    "retry_attempt = 1 AND audit_result IS NULL AND error_message LIKE "
                    "'retryable: check ''late'' could not run: %(retries used up: 1)'") == 2);
    CHECK(s.checks("true") == 0);
  }
}

TEST_CASE("the audit's timeout bounds its checks: a hung check query is cancelled, retried",
          "[integration][chain][checks][timeout]") {
  Setup s;
  auto p = s.f.runtime_from_yaml(
      s.dir.path(), "orders.yaml",
      "id: orders\nsource:\n  connection: warehouse\n  table: src\n  time_column: "
      "event_time\ntarget:\n  connection: warehouse\n  table: dst\nwindow:\n  granularity: 1h\n"
      "  start_date: 2024-01-01\n  end_date: 2024-01-01T02:00:00Z\nretries:\n  max: 0\n"
      "tasks:\n  audit: {timeout: 2s}\nchecks:\n"
      "  - {name: hung, sql: 'SELECT 1 FROM pg_sleep(600)'}\n");
  const auto summary = test::run_until_settled(s.f, p, kNow);
  CHECK(summary.failed == 2);
  CHECK(s.f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'FAILED' AND "
                  "audit_result IS NULL AND error_message = 'retryable: timeout after 2s in audit "
                  "(tasks.audit.timeout) (retries used up: 0)'") == 2);
  CHECK(s.checks("true") == 0);
  // Cancelled on the server, not left sleeping.
  CHECK(s.f.count("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' AND "
                  "state = 'active' AND pid <> pg_backend_pid()") == 0);
}
