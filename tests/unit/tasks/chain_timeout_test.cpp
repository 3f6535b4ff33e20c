// Timeouts in the chain, on the fakes: a call hanging past the pipeline's `timeout` or a
// task's own is cancelled through the window's deadline and the window retried with
// "timeout after ... in TASK" through the usual retry path; a call that ignores the cancel
// is still a timeout when it returns, whatever it answered.
#include <catch2/catch.hpp>

#include "tests/support/fakes/fake_hung_source.hpp"
#include "tests/unit/tasks/chain_run.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using store::Status;

namespace {

using Clock = std::chrono::steady_clock;

std::shared_ptr<test::FakeHungSource> hang(test::ChainRun& c, bool cooperative,
                                           std::set<std::string> calls, std::int64_t rows = 5) {
  auto source = std::make_shared<test::FakeHungSource>(cooperative, std::move(calls), rows);
  c.p.runtime->source = source;
  return source;
}

}  // namespace

TEST_CASE("a call hanging past the pipeline's timeout is cancelled and the window retried",
          "[tasks][chain][timeout][threads]") {
  test::ChainRun c;
  const auto id = c.add(0, 5);
  auto source = hang(c, true, {"count"});
  c.p.runtime->timeouts.window = 300ms;
  const auto t0 = Clock::now();
  const auto outcome = c.run();
  const auto took = Clock::now() - t0;
  CHECK(outcome.end == tasks::ChainEnd::retry_scheduled);
  CHECK(source->cancels() >= 1);
  CHECK(took >= 300ms);
  CHECK(took < 3s);
  const auto row = c.records.row(id);
  CHECK(row.record.status == Status::pending);
  CHECK(row.record.retry_attempt == 1);
  CHECK(row.next_attempt_at == c.records.now() + 6s);  // the backoff, as for any retry
  CHECK(row.error_message ==
        "retryable: timeout after 300ms in pre_validation (the pipeline's timeout)");
}

TEST_CASE("a task's own timeout ends that task, the tasks before it unhurried",
          "[tasks][chain][timeout][threads]") {
  test::ChainRun c;
  const auto id = c.add(0, 5);
  auto source = hang(c, true, {"extract"});
  c.p.runtime->timeouts.window = 1h;
  c.p.runtime->timeouts.tasks[store::Task::source_to_stage] = 200ms;
  CHECK(c.run().end == tasks::ChainEnd::retry_scheduled);
  const auto row = c.records.row(id);
  CHECK(row.record.phase == store::Phase::pre_validation);  // the retry resumes after it
  CHECK(row.error_message ==
        "retryable: timeout after 200ms in source_to_stage (tasks.source_to_stage.timeout)");
}

TEST_CASE("the pipeline's deadline wins over a longer task timeout",
          "[tasks][chain][timeout][threads]") {
  test::ChainRun c;
  const auto id = c.add(0, 5);
  hang(c, true, {"extract"});
  c.p.runtime->timeouts.window = 1s;
  c.p.runtime->timeouts.tasks[store::Task::source_to_stage] = 1h;
  CHECK(c.run().end == tasks::ChainEnd::retry_scheduled);
  CHECK(c.records.row(id).error_message ==
        "retryable: timeout after 1s in source_to_stage (the pipeline's timeout)");
}

TEST_CASE("timeouts use up retries like any retryable error, then the window fails",
          "[tasks][chain][timeout][threads]") {
  test::ChainRun c;
  const auto id = c.add(0, 5);
  hang(c, true, {"count"});
  c.p.runtime->max_retries = 0;
  c.p.runtime->timeouts.window = 100ms;
  CHECK(c.run().end == tasks::ChainEnd::failed);
  const auto row = c.records.row(id);
  CHECK(row.record.status == Status::failed);
  CHECK(row.error_message ==
        "retryable: timeout after 100ms in pre_validation (the pipeline's timeout) (retries "
        "used up: 0)");
}

TEST_CASE("a call that ignores its cancel is a timeout when it returns, whatever it answered",
          "[tasks][chain][timeout][threads]") {
  test::ChainRun c;
  const auto id = c.add(0, 5);
  auto source = hang(c, false, {"count"});
  c.p.runtime->timeouts.window = 100ms;
  std::thread releaser([&] {
    std::this_thread::sleep_for(400ms);
    source->release();  // answers with a permanent error, long after the deadline
  });
  const auto outcome = c.run();
  releaser.join();
  CHECK(outcome.end == tasks::ChainEnd::retry_scheduled);
  CHECK(source->cancels() == 0);
  CHECK(c.records.row(id).error_message ==
        "retryable: timeout after 100ms in pre_validation (the pipeline's timeout)");
}

TEST_CASE("without timeouts a window runs as before, with no deadline given to the adapters",
          "[tasks][chain][timeout]") {
  test::ChainRun c;
  c.add(0, 5);
  CHECK_FALSE(c.p.runtime->timeouts.any());
  CHECK(c.run().end == tasks::ChainEnd::success);
}
