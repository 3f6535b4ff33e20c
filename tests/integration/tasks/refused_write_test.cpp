// A task write the database refuses (a data error, a constraint, a lock timeout: anything but
// a lost connection) is not an outage: the window fails with the refusal, or is retried with
// the attempt counted, and the other pipelines of the same runner go on untouched. A test
// trigger plays the refusing database, with the SQLSTATE of each case.
#include <catch2/catch.hpp>

#include "framework/adapters/postgres/postgres.hpp"
#include "tasks/runner.hpp"
#include "tests/support/chain_fixture.hpp"

using namespace sluice;

namespace {

using test::kNow;

// Refuses, for pipeline `refused` only, the pre-validation write (it sets phase_completed)
// and, when `also_the_failure`, the failure write that replaces it.
void refuse_writes(const test::ChainFixture& f, const std::string& sqlstate,
                   bool also_the_failure) {
  f.exec(
      "CREATE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.pipeline_id = 'refused' AND (NEW.phase_completed IS DISTINCT FROM "
      "OLD.phase_completed" +
      std::string(also_the_failure ? " OR NEW.error_message LIKE '%cannot record%'" : "") +
      ") THEN RAISE EXCEPTION 'refused by the test: caf\xc3\xa9' USING ERRCODE = '" + sqlstate +
      "'; END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER refuse BEFORE UPDATE ON pipeline_records FOR EACH ROW "
      "EXECUTE FUNCTION refuse_write()");
}

tasks::RunSummary settle(const test::ChainFixture& f,
                         std::vector<std::shared_ptr<const tasks::PipelineRuntime>> pipelines,
                         int rounds) {
  return test::run_until_settled(f, std::move(pipelines), kNow, rounds);
}

std::int64_t records(const test::ChainFixture& f, const std::string& where) {
  return f.count("SELECT count(*) FROM pipeline_records WHERE " + where);
}

}  // namespace

TEST_CASE("a data error on a task write fails the window with it, other pipelines go on",
          "[integration][chain][store-errors]") {
  struct Case {
    const char* name;
    const char* sqlstate;
    const char* kind;
  };
  for (const auto& c : {Case{"invalid byte sequence", "22021", "permanent"},
                        Case{"numeric out of range", "22003", "permanent"},
                        Case{"check violation", "23514", "integrity"},
                        Case{"undefined column", "42703", "permanent"}}) {
    DYNAMIC_SECTION(c.name) {
      test::ChainFixture f;
      f.seed_source(3, 10);
      refuse_writes(f, c.sqlstate, false);
      auto refused = f.pipeline(3, "refused");
      auto orders = f.pipeline(3, "orders");
      orders->target = adapters::postgres::make_target({f.db().url(), "dst2", "event_time"});
      f.exec("CREATE TABLE dst2 (LIKE src)");
      const auto s = settle(f, {refused, orders}, 10);
      CHECK(s.store_errors == 0);
      CHECK(s.failed == 3);
      CHECK(s.success == 3);
      // Failed at once, no attempt counted: a permanent error is not retried.
      CHECK(records(f,
                    "pipeline_id = 'refused' AND pipeline_status = 'FAILED' AND "
                    "retry_attempt = 0 AND phase_completed IS NULL AND error_message = '" +
                        std::string(c.kind) +
                        ": cannot record pre_validation SUCCESS: writing a task outcome: refused "
                        "by the test: caf\xc3\xa9 [SQLSTATE " +
                        c.sqlstate + "]'") == 3);
      CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE pipeline_id = 'refused' AND "
                    "task = 'pre_validation' AND outcome = 'FAILED' AND to_status = 'FAILED' "
                    "AND message LIKE '%[SQLSTATE " +
                    std::string(c.sqlstate) + "]'") == 3);
      CHECK(records(f, "pipeline_id = 'orders' AND pipeline_status = 'SUCCESS'") == 3);
      CHECK(f.count("SELECT count(*) FROM dst2") == 30);
    }
  }
}

TEST_CASE("a transient refusal of a task write retries the window, counting each attempt",
          "[integration][chain][store-errors]") {
  test::ChainFixture f;
  f.seed_source(1, 10);
  refuse_writes(f, "55P03", false);  // lock_not_available: retryable, yet no outage
  auto refused = f.pipeline(1, "refused");
  refused->max_retries = 2;
  refused->backoff = {std::chrono::seconds(1), std::chrono::seconds(1)};
  const auto s = settle(f, {refused}, 30);
  CHECK(s.store_errors == 0);
  CHECK(s.retries == 2);
  CHECK(s.failed == 1);
  CHECK(records(f,
                "pipeline_status = 'FAILED' AND retry_attempt = 2 AND error_message LIKE "
                "'retryable: cannot record pre_validation SUCCESS: %[SQLSTATE 55P03] "
                "(retries used up: 2)'") == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE outcome = 'RETRY'") == 2);
}

TEST_CASE(
    "a window whose every write is refused is freed by the stale-lock cleanup, attempts "
    "counted, and never loops",
    "[integration][chain][store-errors]") {
  test::ChainFixture f;
  f.seed_source(2, 10);
  refuse_writes(f, "22021", true);
  auto refused = f.pipeline(1, "refused");
  refused->max_retries = 1;
  refused->stale_threshold = std::chrono::seconds(1);
  auto orders = f.pipeline(2, "orders");
  const auto s = settle(f, {refused, orders}, 30);
  CHECK(s.success == 2);  // the other pipeline was never held up
  // Two claims (first run and one retry), each ended by the refused write.
  CHECK(s.store_errors == 2);
  CHECK(records(f,
                "pipeline_id = 'refused' AND pipeline_status = 'FAILED' AND retry_attempt = 2 "
                "AND error_message LIKE 'lock of % expired: no heartbeat since %'") == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE pipeline_id = 'refused' AND task = "
                "'claim'") == 2);
}
