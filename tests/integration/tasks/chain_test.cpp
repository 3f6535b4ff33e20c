// The chain end to end on a real PostgreSQL: pre-validation skip, audit mismatch, retries,
// a lost lock, and a retried record resuming where it stopped.
#include <catch2/catch.hpp>

#include <thread>

#include "framework/adapters/postgres/postgres.hpp"
#include "framework/store/records.hpp"
#include "tasks/chain.hpp"
#include "tests/support/chain_fixture.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

using test::kNow;

tasks::RunSummary run_until_settled(test::ChainFixture& f,
                                    std::shared_ptr<tasks::PipelineRuntime> p, int rounds = 20) {
  return test::run_until_settled(f, std::move(p), kNow, rounds);
}

}  // namespace

TEST_CASE("windows are generated once, copied exactly, audited and finished",
          "[integration][chain][threads]") {
  test::ChainFixture f;
  f.seed_source(6, 50);
  auto p = f.pipeline(6);
  tasks::Runner runner(f.runner_options(2), {p});
  auto generated = runner.generate(kNow);
  REQUIRE(generated);
  CHECK(*generated == 6);
  CHECK(*runner.generate(kNow) == 0);  // idempotent
  const auto summary = runner.drain();
  CHECK(summary.success == 6);
  CHECK(summary.rows == 300);
  CHECK(f.source_target_difference() == 0);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                "audit_result = 'PASS' "
                "AND source_count = 50 AND target_count = 50 AND count_difference = 0 AND "
                "stage_count = 50 "
                "AND phase_completed = 'AUDIT' AND business_fields->>'path' LIKE "
                "'orders/2024/01/01/%'") == 6);
  // One claim and one write per task: claim, pre_validation, source_to_stage, stage_to_target,
  // audit.
  CHECK(f.count("SELECT count(*) FROM pipeline_events") == 6 * 5);
  CHECK(f.count("SELECT count(DISTINCT dag_run_id) FROM pipeline_records WHERE dag_run_id LIKE "
                "'scheduled__%'") == 6);
}

TEST_CASE("an already loaded window is SKIPPED and the target untouched", "[integration][chain]") {
  test::ChainFixture f;
  f.seed_source(1, 20);
  f.exec("INSERT INTO dst SELECT id, event_time, 'loaded earlier', amount FROM src");
  auto p = f.pipeline(1);
  const auto summary = run_until_settled(f, p);
  CHECK(summary.skipped == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SKIPPED' AND "
                "source_count = 20 "
                "AND target_count = 20 AND phase_completed = 'PRE_VALIDATION'") == 1);
  CHECK(f.count("SELECT count(*) FROM dst WHERE note = 'loaded earlier'") == 20);  // untouched
}

TEST_CASE("a target that drops rows ends FAILED with audit_result FAIL and the right percentage",
          "[integration][chain]") {
  test::ChainFixture f;
  f.seed_source(1, 40);
  // The target's own trigger silently drops every fourth row: a real server misbehaving.
  f.exec(
      "CREATE FUNCTION drop_some() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.id % 4 = 0 THEN RETURN NULL; END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER drop_some BEFORE INSERT ON dst FOR EACH ROW EXECUTE FUNCTION drop_some()");
  auto p = f.pipeline(1);
  const auto summary = run_until_settled(f, p);
  CHECK(summary.failed == 1);
  CHECK(summary.retries == 0);  // integrity failures are not retried
  CHECK(
      f.count(
          "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'FAILED' AND audit_result "
          "= 'FAIL' "
          "AND source_count = 40 AND target_count = 30 AND count_difference = 10 "
          "AND percentage_difference = 25.00 AND error_message LIKE 'integrity: audit failed%'") ==
      1);
}

TEST_CASE(
    "a source failing twice then succeeding ends SUCCESS with retry_attempt 2 and visible backoff",
    "[integration][chain]") {
  test::ChainFixture f;
  f.seed_source(1, 10);
  // A source query that fails with a serialization failure (retryable) on its first two runs.
  // A sequence counts the calls: unlike a table row, nextval survives the failed statement.
  f.exec(
      "CREATE SEQUENCE attempts;"
      "CREATE FUNCTION flaky() RETURNS boolean LANGUAGE plpgsql AS $$ DECLARE k bigint; BEGIN "
      "k := nextval('attempts'); "
      "IF k <= 2 THEN RAISE EXCEPTION 'flaky source, attempt %', k USING ERRCODE = '40001'; END "
      "IF; "
      "RETURN true; END $$");
  auto p = f.pipeline(1);
  p->source = adapters::postgres::make_source({f.db().url(),
                                               "SELECT * FROM src WHERE flaky() AND event_time >= "
                                               "{window_start} AND event_time < {window_end}",
                                               std::nullopt, ""});
  tasks::Runner runner(f.runner_options(1), {p});
  auto first = runner.run_once(kNow);
  REQUIRE(first);
  CHECK(first->retries == 1);
  // The backoff is visible and in the future: base 1 s, equal jitter -> between 0.5 and 1 s.
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING' AND "
                "retry_attempt = 1 "
                "AND next_attempt_at > now() AND next_attempt_at <= now() + interval '1 second' "
                "AND error_message LIKE 'retryable: %flaky source, attempt 1%'") == 1);
  const auto summary = run_until_settled(f, p);
  CHECK(summary.success == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                "retry_attempt = 2 "
                "AND error_message IS NULL") == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE outcome = 'RETRY'") == 2);
  CHECK(f.source_target_difference() == 0);
}

TEST_CASE("retries are capped and permanent errors fail at once", "[integration][chain]") {
  test::ChainFixture f;
  f.seed_source(1, 5);
  auto p = f.pipeline(1);
  SECTION("retryable forever: FAILED after max retries") {
    p->max_retries = 2;
    // lock_not_available (55P03): retryable, and never goes away.
    f.exec(
        "CREATE FUNCTION always_busy() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'busy' USING ERRCODE = '55P03'; END $$");
    p->source =
        adapters::postgres::make_source({f.db().url(),
                                         "SELECT * FROM src WHERE always_busy() AND event_time >= "
                                         "{window_start} AND event_time < {window_end}",
                                         std::nullopt, ""});
    run_until_settled(f, p);
    CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'FAILED' AND "
                  "retry_attempt = 2 "
                  "AND error_message LIKE '%retries used up: 2%'") == 1);
  }
  SECTION("a missing table is permanent: FAILED on the first attempt") {
    p->source = adapters::postgres::make_source(
        {f.db().url(), std::nullopt, "no_such_table", "event_time"});
    const auto summary = run_until_settled(f, p);
    CHECK(summary.retries == 0);
    CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'FAILED' AND "
                  "retry_attempt = 0 "
                  "AND error_message LIKE 'permanent: %no_such_table%'") == 1);
  }
}

TEST_CASE("a worker whose lease was taken over cannot write anything afterwards",
          "[integration][chain][threads]") {
  test::ChainFixture f;
  f.seed_source(1, 10);
  auto p = f.pipeline(1);
  tasks::Runner runner(f.runner_options(1), {p});
  REQUIRE(runner.generate(kNow));
  auto conn_a = f.db().connect();
  auto conn_b = f.db().connect();
  store::Records a(*conn_a, "host-a:1");
  store::Records b(*conn_b, "host-b:2");
  const std::vector<store::ClaimLimit> limits{{p->id, 1, 1}};
  auto claimed_a = a.claim(limits);
  REQUIRE(claimed_a);
  REQUIRE(*claimed_a);
  const store::Record record_a = **claimed_a;

  // A stops heartbeating; its lease expires; cleanup frees the record; B claims it.
  f.exec("UPDATE pipeline_records SET heartbeat_at = now() - interval '3 hours'");
  auto expired = b.expire_stale_locks({}, store::StaleLimit{p->id, 2h, 3});
  REQUIRE(expired);
  CHECK(expired->returned_to_pending == 1);
  auto claimed_b = b.claim(limits);
  REQUIRE(claimed_b);
  REQUIRE(*claimed_b);
  CHECK((*claimed_b)->run != record_a.run);
  const auto events_before = f.count("SELECT count(*) FROM pipeline_events");

  store::TaskWrite w;
  w.task = store::Task::audit;
  w.move = store::Move::succeed;
  CHECK(*a.write_task(record_a, w) == false);
  CHECK(*a.heartbeat(record_a) == false);
  tasks::Lease lease;
  tasks::Chain chain(a, {[] { return kNow; }, [] { return 0.5; }});
  const auto outcome = chain.run(record_a, *p, lease);
  CHECK(outcome.end == tasks::ChainEnd::lock_lost);
  CHECK(f.count("SELECT count(*) FROM pipeline_events") == events_before);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE dag_run_id = '" + record_a.run.value +
                "' AND created_at > (SELECT max(created_at) FROM pipeline_events WHERE task = "
                "'stale_lock_cleanup')") == 0);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'IN_PROGRESS' AND "
                "dag_run_id = '" +
                (*claimed_b)->run.value + "'") == 1);
}

TEST_CASE("a retried record resumes after phase_completed and redoes a missing stage",
          "[integration][chain]") {
  test::ChainFixture f;
  f.seed_source(1, 30);
  auto p = f.pipeline(1);
  tasks::Runner runner(f.runner_options(1), {p});
  REQUIRE(runner.generate(kNow));
  // The window was staged on another host: its phase says SOURCE_TO_STAGE, no file is here.
  f.exec("UPDATE pipeline_records SET phase_completed = 'SOURCE_TO_STAGE'");
  const auto summary = runner.drain();
  CHECK(summary.success == 1);
  CHECK(f.source_target_difference() == 0);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task = 'pre_validation'") ==
        0);  // resumed after it
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task = 'source_to_stage'") ==
        1);  // redone
}

TEST_CASE(
    "a load that fails while streaming is retried from the stage file without extracting again",
    "[integration][chain]") {
  test::ChainFixture f;
  f.seed_source(1, 30);
  // The target refuses the first row it is ever offered with a serialization failure.
  f.exec(
      "CREATE SEQUENCE load_attempts;"
      "CREATE FUNCTION flaky_load() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF nextval('load_attempts') = 1 THEN RAISE EXCEPTION 'target busy' USING ERRCODE = '40001'; "
      "END IF; "
      "RETURN NEW; END $$;"
      "CREATE TRIGGER flaky_load BEFORE INSERT ON dst FOR EACH ROW EXECUTE FUNCTION flaky_load()");
  auto p = f.pipeline(1);
  const auto summary = run_until_settled(f, p);
  CHECK(summary.success == 1);
  CHECK(summary.retries == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task = 'stage_to_target' AND outcome = "
                "'RETRY' "
                "AND message LIKE 'retryable: %target busy%'") == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task = 'source_to_stage'") ==
        1);  // not redone
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                "retry_attempt = 1 "
                "AND target_count = 30") == 1);
  CHECK(f.source_target_difference() == 0);
}

namespace {

// A source that reports the lease lost the moment its rows have all been sent.
class LeaseLosingSource final : public adapters::Source {
 public:
  LeaseLosingSource(std::shared_ptr<adapters::Source> inner, std::atomic<bool>& lost)
      : inner_(std::move(inner)), lost_(lost) {}
  Result<std::int64_t> count(const adapters::WindowContext& c) override { return inner_->count(c); }
  Result<std::int64_t> extract(const adapters::WindowContext& c, adapters::RowSink& sink) override {
    auto rows = inner_->extract(c, sink);
    lost_ = true;
    return rows;
  }

 private:
  std::shared_ptr<adapters::Source> inner_;
  std::atomic<bool>& lost_;
};

}  // namespace

TEST_CASE("a worker that loses its lease while streaming a load commits nothing to the target",
          "[integration][chain][threads]") {
  test::ChainFixture f;
  f.seed_source(1, 25);
  tasks::Lease lease;
  auto p = f.pipeline(1);
  p->source = std::make_shared<LeaseLosingSource>(p->source, lease.lost);
  tasks::Runner runner(f.runner_options(1), {p});
  REQUIRE(runner.generate(kNow));
  auto conn = f.db().connect();
  store::Records records(*conn, "host-a:1");
  auto claimed = records.claim(std::vector<store::ClaimLimit>{{p->id, 1, 1}});
  REQUIRE(claimed);
  REQUIRE(*claimed);
  tasks::Chain chain(records, {[] { return kNow; }, [] { return 0.5; }});
  const auto outcome = chain.run(**claimed, *p, lease);
  CHECK(outcome.end == tasks::ChainEnd::lock_lost);
  CHECK(f.count("SELECT count(*) FROM dst") == 0);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task IN ('source_to_stage', "
                "'stage_to_target')") == 0);
}

TEST_CASE("pre-validation of an empty target window asks the source only whether it has rows",
          "[integration][chain]") {
  test::ChainFixture f;
  f.seed_source(1, 12);  // the second window has no source rows
  auto p = f.pipeline(2);
  tasks::Runner runner(f.runner_options(1), {p});
  REQUIRE(runner.generate(kNow));
  const auto summary = runner.drain();
  CHECK(summary.success == 1);
  CHECK(summary.skipped == 1);
  // The loaded window: pre-validation recorded no source count; the audit did.
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task = 'pre_validation' AND outcome = "
                "'SUCCESS' "
                "AND rows IS NULL") == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                "source_count = 12 "
                "AND target_count = 12") == 1);
  // The window empty on both sides.
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SKIPPED' AND "
                "source_count = 0 "
                "AND target_count = 0 AND window_start_time = '2024-01-01T01:00:00Z'") == 1);
}

TEST_CASE(
    "a claim says how long its window was claimable: since it was made, or since it was "
    "freed",
    "[integration][chain]") {
  test::ChainFixture f;
  f.seed_source(1, 1);
  auto p = f.pipeline(1);
  tasks::Runner runner(f.runner_options(1), {p});
  REQUIRE(runner.generate(kNow));
  f.exec("UPDATE pipeline_records SET record_first_created_time = now() - interval '30 seconds'");
  auto conn = f.db().connect();
  store::Records records(*conn, "host-a:1");
  const std::vector<store::ClaimLimit> limits{{p->id, 1, 1}};
  auto first = records.claim(limits);
  REQUIRE(first);
  REQUIRE(*first);
  CHECK((*first)->claim_wait_seconds >= 30.0);
  CHECK((*first)->claim_wait_seconds < 60.0);

  // Freed by the stale-lock cleanup: claimable again from then, not from when it was made.
  f.exec("UPDATE pipeline_records SET heartbeat_at = now() - interval '3 hours'");
  REQUIRE(records.expire_stale_locks({}, store::StaleLimit{p->id, 2h, 3}));
  auto second = records.claim(limits);
  REQUIRE(second);
  REQUIRE(*second);
  CHECK((*second)->claim_wait_seconds < 10.0);
}
