// The chain without servers, on the in-process fakes: the path of a window through its
// tasks, retries and their backoff, permanent and integrity failures, the audit's threshold
// and writes the store refuses. Resuming and lost leases: chain_resume_test.cpp.
#include <catch2/catch.hpp>

#include "tests/unit/tasks/chain_run.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using store::Status;
using Tasks = std::vector<std::string>;

TEST_CASE("a window goes through every task once and ends SUCCESS with its counts",
          "[tasks][chain]") {
  test::ChainRun c;
  const auto id = c.add(0, 40);
  const auto outcome = c.run();
  CHECK(outcome.end == tasks::ChainEnd::success);
  CHECK(outcome.rows == 40);
  CHECK(c.records.tasks_of(c.last.run) ==
        Tasks{"claim", "pre_validation", "source_to_stage", "stage_to_target", "audit"});
  const auto row = c.records.row(id);
  CHECK(row.record.status == Status::success);
  CHECK(row.record.phase == store::Phase::audit);
  CHECK(row.record.source_count == 40);
  CHECK(row.record.target_count == 40);
  CHECK(row.stage_count == 40);
  CHECK(row.audit_result == "PASS");
  CHECK(c.p.target->rows(c.p.runtime->id, c.last.window.start) == 40);
  CHECK_FALSE(c.p.stage->holds(c.p.runtime->id, c.last.window.start));  // cleaned on SUCCESS
}

TEST_CASE("a streaming target is fed while staging and committed by stage->target",
          "[tasks][chain]") {
  test::ChainRun c(true);
  c.add(0, 25);
  CHECK(c.run().end == tasks::ChainEnd::success);
  CHECK(c.p.target->rows(c.p.runtime->id, c.last.window.start) == 25);
  CHECK(c.p.target->script().calls("start_load") == 1);
  CHECK(c.p.target->script().calls("commit") == 1);
  CHECK(c.p.target->script().calls("load") == 0);  // the stage file was not read back
}

TEST_CASE("equal counts at pre-validation end SKIPPED without extracting, and clean the stage",
          "[tasks][chain]") {
  test::ChainRun c;
  const auto id = c.add(0, 12);
  const auto window = test::FakePipeline::window(0);
  c.p.target->set_rows(c.p.runtime->id, window.start, 12);
  c.p.stage->put(c.p.runtime->id, window.start, {});  // left by an earlier, failed run
  CHECK(c.run().end == tasks::ChainEnd::skipped);
  CHECK(c.records.row(id).record.status == Status::skipped);
  CHECK(c.p.source->script().calls("extract") == 0);
  CHECK_FALSE(c.p.stage->holds(c.p.runtime->id, window.start));
}

TEST_CASE("a retryable error is retried after the policy's backoff, each attempt counted",
          "[tasks][chain][retries]") {
  test::ChainRun c;
  const auto id = c.add(0, 10);
  c.p.source->script().fail("extract", 2, Error::retryable("source busy"));

  CHECK(c.run().end == tasks::ChainEnd::retry_scheduled);
  auto row = c.records.row(id);
  CHECK(row.record.status == Status::pending);
  CHECK(row.record.retry_attempt == 1);
  CHECK(row.error_message == "retryable: source busy");
  // Base 10 s, first retry: 5 s fixed + 5 s * the draw 0.25 = 6.25, rounded.
  CHECK(row.next_attempt_at == c.records.now() + 6s);
  CHECK_FALSE(c.claimable());  // not before next_attempt_at

  c.records.advance(6s);
  CHECK(c.run().end == tasks::ChainEnd::retry_scheduled);
  row = c.records.row(id);
  CHECK(row.record.retry_attempt == 2);
  CHECK(row.next_attempt_at == c.records.now() + 13s);  // 10 s + 10 s * 0.25 = 12.5, rounded

  c.records.advance(13s);
  CHECK(c.run().end == tasks::ChainEnd::success);
  row = c.records.row(id);
  CHECK(row.record.status == Status::success);
  CHECK(row.record.retry_attempt == 2);
  CHECK(row.error_message.empty());
  CHECK(c.p.source->script().calls("extract") == 3);
  CHECK(c.p.target->rows(c.p.runtime->id, c.last.window.start) == 10);
}

TEST_CASE("retries used up end FAILED, saying so", "[tasks][chain][retries]") {
  test::ChainRun c;
  c.p.runtime->max_retries = 1;
  const auto id = c.add(0, 10);
  c.p.source->script().fail("extract", 100, Error::retryable("source busy"));
  CHECK(c.run().end == tasks::ChainEnd::retry_scheduled);
  c.records.advance(60s);
  const auto outcome = c.run();
  CHECK(outcome.end == tasks::ChainEnd::failed);
  const auto row = c.records.row(id);
  CHECK(row.record.status == Status::failed);
  CHECK(row.record.retry_attempt == 1);
  CHECK(row.error_message == "retryable: source busy (retries used up: 1)");
  CHECK_FALSE(row.next_attempt_at);
  c.records.advance(3600s);
  CHECK_FALSE(c.claimable());
}

TEST_CASE("permanent and integrity errors fail at once, no attempt counted",
          "[tasks][chain][retries]") {
  test::ChainRun c;
  const auto id = c.add(0, 10);
  std::string expected;
  SECTION("permanent, from the source") {
    c.p.source->script().fail("extract", 1, Error::permanent("no such table"));
    expected = "permanent: no such table";
  }
  SECTION("integrity, from the target") {
    c.p.target->script().fail("load", 1, Error::integrity("duplicate key"));
    expected = "integrity: duplicate key";
  }
  SECTION("a throw inside a task, caught at the task boundary") {
    c.p.source->on_extract([] { throw std::runtime_error("boom"); });
    expected = "permanent: unexpected error: boom";
  }
  CHECK(c.run().end == tasks::ChainEnd::failed);
  const auto row = c.records.row(id);
  CHECK(row.record.status == Status::failed);
  CHECK(row.record.retry_attempt == 0);
  CHECK(row.error_message == expected);
}

TEST_CASE("counts that differ beyond max_difference_pct fail the audit with the counts",
          "[tasks][chain][audit]") {
  test::ChainRun c;
  const auto id = c.add(0, 50);
  c.p.source->set_count_offset(5);  // the source counts 55 and extracts 50
  SECTION("beyond the threshold: FAILED, not retried") {
    c.p.runtime->max_difference_pct = 5;
    CHECK(c.run().end == tasks::ChainEnd::failed);
    const auto row = c.records.row(id);
    CHECK(row.record.status == Status::failed);
    CHECK(row.record.retry_attempt == 0);
    CHECK(row.audit_result == "FAIL");
    CHECK(row.count_difference == 5);
    CHECK(row.percentage_difference == Approx(9.09));
    CHECK(row.error_message ==
          "integrity: audit failed: source 55 rows, target 50 rows (9.09% > 5.00% allowed)");
  }
  SECTION("within the threshold: SUCCESS, the difference recorded") {
    c.p.runtime->max_difference_pct = 10;
    CHECK(c.run().end == tasks::ChainEnd::success);
    const auto row = c.records.row(id);
    CHECK(row.record.status == Status::success);
    CHECK(row.audit_result == "PASS");
    CHECK(row.count_difference == 5);
  }
}

TEST_CASE("a target that loses rows fails the audit", "[tasks][chain][audit]") {
  test::ChainRun c;
  const auto id = c.add(0, 40);
  c.p.target->drop_rows(10);
  CHECK(c.run().end == tasks::ChainEnd::failed);
  const auto row = c.records.row(id);
  CHECK(row.record.source_count == 40);
  CHECK(row.record.target_count == 30);
  CHECK(row.percentage_difference == Approx(25.0));
}

TEST_CASE("a task write the store refuses becomes a plain failure write",
          "[tasks][chain][refused]") {
  test::ChainRun c;
  const auto id = c.add(0, 10);
  const auto refuse_pre_validation = [&](Error error, bool also_the_failure) {
    c.records.refuse_write([=](const auto&, const store::TaskWrite& w) -> std::optional<Error> {
      if (w.task != store::Task::pre_validation) return std::nullopt;
      if (w.status == store::TaskStatus::success || also_the_failure) return error;
      return std::nullopt;
    });
  };
  SECTION("a data error: FAILED with the refusal, no attempt counted") {
    refuse_pre_validation(Error::permanent("value out of range"), false);
    CHECK(c.run().end == tasks::ChainEnd::failed);
    const auto row = c.records.row(id);
    CHECK(row.record.status == Status::failed);
    CHECK(row.record.phase == store::Phase::none);
    CHECK(row.record.retry_attempt == 0);
    CHECK(row.error_message ==
          "permanent: cannot record pre_validation SUCCESS: value out of range");
  }
  SECTION("a transient refusal: retried, the attempt counted") {
    refuse_pre_validation(Error::retryable("lock timeout"), false);
    CHECK(c.run().end == tasks::ChainEnd::retry_scheduled);
    const auto row = c.records.row(id);
    CHECK(row.record.status == Status::pending);
    CHECK(row.record.retry_attempt == 1);
    CHECK(row.error_message == "retryable: cannot record pre_validation SUCCESS: lock timeout");
  }
  SECTION("the failure write refused too: a store error, the window left claimed") {
    refuse_pre_validation(Error::permanent("value out of range"), true);
    const auto outcome = c.run();
    CHECK(outcome.end == tasks::ChainEnd::store_error);
    CHECK_FALSE(outcome.connection_lost);
    CHECK(c.records.row(id).record.status == Status::in_progress);
    CHECK(c.records.script().calls("write_task") == 2);
  }
  SECTION("a lost connection: a store error at once, no second write") {
    c.records.script().fail("write_task", 1, Error{ErrorKind::retryable, "server closed", true});
    const auto outcome = c.run();
    CHECK(outcome.end == tasks::ChainEnd::store_error);
    CHECK(outcome.connection_lost);
    CHECK(c.records.script().calls("write_task") == 1);
    CHECK(c.records.row(id).record.status == Status::in_progress);
  }
}

TEST_CASE("store & validate releases a window not stable yet and fails one missing a field",
          "[tasks][chain]") {
  test::ChainRun c;
  SECTION("not stable: released until window end, no attempt counted") {
    const Window future{c.records.now() - 30min, c.records.now() + 30min};
    const auto id = c.records.add(c.p.runtime->id, future);
    CHECK(c.run().end == tasks::ChainEnd::released);
    const auto row = c.records.row(id);
    CHECK(row.record.status == Status::pending);
    CHECK(row.record.retry_attempt == 0);
    CHECK(row.next_attempt_at == future.end);
  }
  SECTION("a required business field missing: FAILED") {
    c.p.runtime->check_fields = {"path"};
    const auto id = c.add(0, 10);
    CHECK(c.run().end == tasks::ChainEnd::failed);
    CHECK(c.records.row(id).error_message == "permanent: required business fields missing: path");
    CHECK(c.p.source->script().calls("extract") == 0);
  }
}
