// The chain with a target that appends or upserts (README, Load modes): what pre-validation
// records and skips, what the audit compares (the rows this run added; the rows holding the
// window's keys), that the counts it needs survive a retried audit, and that an append done
// twice by one record is caught by its audit.
#include <catch2/catch.hpp>

#include "tests/unit/tasks/chain_run.hpp"

using namespace sluice;
using store::Status;
using Tasks = std::vector<std::string>;

namespace {

// The run's target loads in `mode`.
void load_in(test::ChainRun& c, adapters::LoadMode mode, bool streaming = false) {
  c.p.target = std::make_shared<test::FakeTarget>(streaming, mode);
  c.p.runtime->target = c.p.target;
}

}  // namespace

TEST_CASE("append: the audit compares the rows this run added, and a re-run adds them again",
          "[tasks][chain][load_modes]") {
  for (const bool streaming : {false, true}) {
    DYNAMIC_SECTION((streaming ? "streamed load" : "load from the stage file")) {
      test::ChainRun c(streaming);
      load_in(c, adapters::LoadMode::append, streaming);
      const auto id = c.add(0, 5);
      const auto window = test::FakePipeline::window(0);
      c.p.target->set_rows(c.p.runtime->id, window.start, 5);  // 5 rows from elsewhere
      // Equal counts do not mean loaded when appending: the window runs.
      CHECK(c.run().end == tasks::ChainEnd::success);
      CHECK(c.p.target->rows(c.p.runtime->id, window.start) == 10);
      auto row = c.records.row(id);
      CHECK(row.record.source_count == 5);
      CHECK(row.record.target_count == 5);  // added by this run
      CHECK(row.count_difference == 0);
      CHECK(row.audit_result == "PASS");

      c.records.rerun(id);
      CHECK(c.run().end == tasks::ChainEnd::success);
      CHECK(c.p.target->rows(c.p.runtime->id, window.start) == 15);
      row = c.records.row(id);
      CHECK(row.record.target_count == 5);
      CHECK(row.audit_result == "PASS");
      bool said = false;
      for (const auto& e : c.records.events())
        said |= e.task == "audit" &&
                e.message.find("held 10 rows before the load and 15 after") != std::string::npos;
      CHECK(said);
    }
  }
}

TEST_CASE("append: a source window without rows is skipped, nothing added",
          "[tasks][chain][load_modes]") {
  test::ChainRun c;
  load_in(c, adapters::LoadMode::append);
  const auto id = c.add(0, 0);
  c.p.target->set_rows(c.p.runtime->id, test::FakePipeline::window(0).start, 3);
  CHECK(c.run().end == tasks::ChainEnd::skipped);
  const auto row = c.records.row(id);
  CHECK(row.record.status == Status::skipped);
  CHECK(row.record.source_count == 0);
  CHECK(row.record.target_count == 3);
  CHECK(c.p.source->script().calls("extract") == 0);
}

TEST_CASE("append: an audit retried on its own still knows the count before the load",
          "[tasks][chain][load_modes]") {
  test::ChainRun c;
  load_in(c, adapters::LoadMode::append);
  const auto id = c.add(0, 4);
  const auto window = test::FakePipeline::window(0);
  c.p.target->set_rows(c.p.runtime->id, window.start, 6);
  // The audit's target count fails: pre-validation's count, then the audit's.
  c.p.target->script().fail_at("count", 2, Error::retryable("target busy"));
  CHECK(c.run().end == tasks::ChainEnd::retry_scheduled);
  CHECK(c.records.row(id).record.phase == store::Phase::stage_to_target);
  c.records.advance(std::chrono::minutes(1));
  CHECK(c.run().end == tasks::ChainEnd::success);
  CHECK(c.records.tasks_of(c.last.run) == Tasks{"claim", "audit"});
  const auto row = c.records.row(id);
  CHECK(row.record.target_count == 4);
  CHECK(row.audit_result == "PASS");
  CHECK(c.p.target->rows(c.p.runtime->id, window.start) == 10);
}

TEST_CASE("append: a load done twice by one record (its record lost) fails the audit",
          "[tasks][chain][load_modes]") {
  test::ChainRun c;
  load_in(c, adapters::LoadMode::append);
  const auto id = c.add(0, 5);
  // The load commits, and then stage->target cannot be recorded: the retry loads again.
  bool refused = false;
  c.records.refuse_write([&](const store::Record&, const store::TaskWrite& w) {
    if (w.task != store::Task::stage_to_target || refused) return std::optional<Error>();
    refused = true;
    return std::optional(Error::retryable("the store went away"));
  });
  CHECK(c.run().end == tasks::ChainEnd::retry_scheduled);
  c.records.advance(std::chrono::minutes(1));
  CHECK(c.run().end == tasks::ChainEnd::failed);
  CHECK(c.p.target->rows(c.p.runtime->id, test::FakePipeline::window(0).start) == 10);
  const auto row = c.records.row(id);
  CHECK(row.record.status == Status::failed);
  CHECK(row.audit_result == "FAIL");
  CHECK(row.record.target_count == 10);
  CHECK(row.error_message.find("integrity: audit failed: source 5 rows, target 10 rows") == 0);
}

TEST_CASE("upsert: the audit compares the rows holding the window's keys, counted by the load",
          "[tasks][chain][load_modes]") {
  test::ChainRun c;
  load_in(c, adapters::LoadMode::upsert);
  const auto id = c.add(0, 8);
  CHECK(c.run().end == tasks::ChainEnd::success);
  auto row = c.records.row(id);
  CHECK(row.record.target_count == 8);
  CHECK(row.audit_result == "PASS");
  // The audit took the load's count: the target was counted once, by pre-validation.
  CHECK(c.p.target->script().calls("count") == 1);

  // Forced (equal counts would skip it): the same rows again, none doubled.
  c.records.rerun(id, true);
  CHECK(c.run().end == tasks::ChainEnd::success);
  CHECK(c.p.target->rows(c.p.runtime->id, test::FakePipeline::window(0).start) == 8);
  CHECK(c.records.row(id).audit_result == "PASS");
}

TEST_CASE("upsert: an audit retried on its own takes the count its load recorded",
          "[tasks][chain][load_modes]") {
  test::ChainRun c;
  load_in(c, adapters::LoadMode::upsert);
  const auto id = c.add(0, 3);
  c.p.source->script().fail_at("count", 2, Error::retryable("source busy"));  // the audit's
  CHECK(c.run().end == tasks::ChainEnd::retry_scheduled);
  CHECK(c.records.row(id).record.target_count == 3);  // stage->target recorded it
  c.records.advance(std::chrono::minutes(1));
  CHECK(c.run().end == tasks::ChainEnd::success);
  CHECK(c.records.tasks_of(c.last.run) == Tasks{"claim", "audit"});
  CHECK(c.p.target->script().calls("count") == 1);
  CHECK(c.records.row(id).audit_result == "PASS");
}
