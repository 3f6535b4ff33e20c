// The chain without servers: a retried record resumes after phase_completed and redoes
// source->stage only when its stage is gone; a worker whose lease or lock is lost halfway
// writes nothing more.
#include <catch2/catch.hpp>

#include "tests/unit/tasks/chain_run.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using store::Status;
using Tasks = std::vector<std::string>;

TEST_CASE("a record past PRE_VALIDATION resumes at source->stage", "[tasks][chain][resume]") {
  test::ChainRun c;
  const auto id = c.add(0, 20);
  c.records.set_phase(id, store::Phase::pre_validation);
  CHECK(c.run().end == tasks::ChainEnd::success);
  CHECK(c.records.tasks_of(c.last.run) ==
        Tasks{"claim", "source_to_stage", "stage_to_target", "audit"});
  CHECK(c.p.target->script().calls("count") == 1);  // the audit's: pre-validation not redone
}

TEST_CASE("a load that failed is retried from the stage file, without extracting again",
          "[tasks][chain][resume]") {
  test::ChainRun c;
  const auto id = c.add(0, 30);
  c.p.target->script().fail("load", 1, Error::retryable("target busy"));
  CHECK(c.run().end == tasks::ChainEnd::retry_scheduled);
  CHECK(c.records.row(id).record.phase == store::Phase::source_to_stage);
  CHECK(c.p.stage->holds(c.p.runtime->id, c.last.window.start));  // kept for the retry
  c.records.advance(60s);

  SECTION("the stage is there: stage->target and the audit only") {
    CHECK(c.run().end == tasks::ChainEnd::success);
    CHECK(c.records.tasks_of(c.last.run) == Tasks{"claim", "stage_to_target", "audit"});
    CHECK(c.p.source->script().calls("extract") == 1);
    CHECK(c.p.target->script().calls("load") == 2);
  }
  SECTION("the stage is gone (wiped, or staged on another host): source->stage redone") {
    c.p.stage->lose(c.p.runtime->id, c.last.window.start);
    CHECK(c.run().end == tasks::ChainEnd::success);
    CHECK(c.records.tasks_of(c.last.run) ==
          Tasks{"claim", "source_to_stage", "stage_to_target", "audit"});
    CHECK(c.p.source->script().calls("extract") == 2);
  }
  CHECK(c.p.target->rows(c.p.runtime->id, c.last.window.start) == 30);
  CHECK(c.records.row(id).record.retry_attempt == 1);
}

TEST_CASE(
    "a run resumed at stage->target renews its lease before its load (its claim's commit "
    "flushed), and loads nothing when that finds the lock gone",
    "[tasks][chain][resume]") {
  test::ChainRun c;
  const auto id = c.add(0, 30);
  c.p.target->script().fail("load", 1, Error::retryable("target busy"));
  CHECK(c.run().end == tasks::ChainEnd::retry_scheduled);
  CHECK(c.records.script().calls("heartbeat") == 0);  // its writes came before its load
  c.records.advance(60s);
  const auto record = c.claim();
  tasks::Lease lease;
  SECTION("renewed: the load follows") {
    CHECK(c.run(record, lease).end == tasks::ChainEnd::success);
    CHECK(c.records.script().calls("heartbeat") == 1);
    CHECK(c.p.target->rows(c.p.runtime->id, record.window.start) == 30);
  }
  SECTION("another run holds the window now: nothing loaded, nothing written") {
    c.records.take_over(id);
    CHECK(c.run(record, lease).end == tasks::ChainEnd::lock_lost);
    CHECK(c.p.target->script().calls("load") == 1);
    CHECK(c.records.tasks_of(record.run) == Tasks{"claim"});
  }
  SECTION("the database is out of reach: nothing loaded, the window left for its release") {
    c.records.script().fail("heartbeat", 1,
                            Error{ErrorKind::retryable, "server closed the connection", true});
    const auto outcome = c.run(record, lease);
    CHECK(outcome.end == tasks::ChainEnd::store_error);
    CHECK(outcome.connection_lost);
    CHECK(c.p.target->script().calls("load") == 1);
    CHECK(c.records.row(id).record.status == Status::in_progress);
  }
}

TEST_CASE("a record past STAGE_TO_TARGET resumes at the audit", "[tasks][chain][resume]") {
  test::ChainRun c;
  const auto id = c.add(0, 15);
  c.p.target->set_rows(c.p.runtime->id, test::FakePipeline::window(0).start, 15);
  c.records.set_phase(id, store::Phase::stage_to_target);
  CHECK(c.run().end == tasks::ChainEnd::success);
  CHECK(c.records.tasks_of(c.last.run) == Tasks{"claim", "audit"});
  CHECK(c.p.source->script().calls("extract") == 0);
  CHECK(c.p.stage->script().calls("open_writer") == 0);
  CHECK(c.p.target->script().calls("load") == 0);
  CHECK(c.records.row(id).record.status == Status::success);
}

TEST_CASE("a lease lost in the middle of a task stops the chain before its write",
          "[tasks][chain][lease]") {
  test::ChainRun c(GENERATE(false, true));
  const auto id = c.add(0, 25);
  const auto record = c.claim();
  tasks::Lease lease;
  c.p.source->on_extract([&] { lease.lost = true; });  // the keeper's heartbeat found it gone
  const auto outcome = c.run(record, lease);
  CHECK(outcome.end == tasks::ChainEnd::lock_lost);
  CHECK(c.records.tasks_of(record.run) == Tasks{"claim", "pre_validation"});
  CHECK(c.records.row(id).record.phase == store::Phase::pre_validation);
  CHECK(c.records.row(id).record.status == Status::in_progress);       // for the stale-lock cleanup
  CHECK(c.p.target->rows(c.p.runtime->id, record.window.start) == 0);  // nothing committed
  CHECK(c.p.target->script().calls("commit") == 0);
  CHECK_FALSE(lease.ending);
}

TEST_CASE("a lease lost before the chain starts: no task runs", "[tasks][chain][lease]") {
  test::ChainRun c;
  c.add(0, 5);
  const auto record = c.claim();
  tasks::Lease lease;
  lease.lost = true;
  CHECK(c.run(record, lease).end == tasks::ChainEnd::lock_lost);
  CHECK(c.records.tasks_of(record.run) == Tasks{"claim"});
  CHECK(c.p.target->script().calls("count") == 0);
}

TEST_CASE("a lock taken over halfway: the fenced write finds it and nothing more is written",
          "[tasks][chain][lease]") {
  test::ChainRun c;
  const auto id = c.add(0, 25);
  const auto record = c.claim();
  c.p.source->on_extract([&] { c.records.take_over(id); });
  tasks::Lease lease;
  const auto outcome = c.run(record, lease);
  CHECK(outcome.end == tasks::ChainEnd::lock_lost);
  CHECK(outcome.message == "lock taken over");
  CHECK(c.records.tasks_of(record.run) == Tasks{"claim", "pre_validation"});
  const auto row = c.records.row(id);
  CHECK(row.record.run != record.run);  // the new holder's, untouched
  CHECK(row.record.status == Status::in_progress);
  CHECK(row.record.phase == store::Phase::pre_validation);
  CHECK(c.p.target->script().calls("load") == 0);
}

TEST_CASE("the chain raises lease.ending before the write that ends its run",
          "[tasks][chain][lease]") {
  test::ChainRun c;
  c.add(0, 5);
  const auto record = c.claim();
  tasks::Lease lease;
  bool ending_at_final_write = false;
  c.records.refuse_write([&](const auto&, const store::TaskWrite& w) -> std::optional<Error> {
    if (w.move) ending_at_final_write = lease.ending;
    return std::nullopt;
  });
  CHECK(c.run(record, lease).end == tasks::ChainEnd::success);
  CHECK(ending_at_final_write);
}
