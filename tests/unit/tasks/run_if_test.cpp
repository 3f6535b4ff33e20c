// `run_if` in the chain, on the in-process fakes and their clock: a false condition makes the
// window wait (released, no attempt counted, checked again after a growing delay) until it
// holds or give_up_after has passed since the first claim (FAILED with the reason), or end
// SKIPPED; a calendar day is skipped whatever on_false says; a condition that cannot be asked
// is a retryable error; a window that completed a phase is not asked again. The first column
// of a run_if.sql query as a condition. Real servers:
// tests/integration/tasks/run_if_chain_test.cpp.
#include <catch2/catch.hpp>

#include "tasks/run_if.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"
#include "tests/unit/tasks/chain_run.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using store::Status;

namespace {

tasks::RunIf& run_if(test::ChainRun& c) {
  c.p.runtime->run_if.emplace();
  return *c.p.runtime->run_if;
}

// The outcomes of the store_validate events, in order.
std::vector<std::string> validate_outcomes(const test::FakeRecords& records) {
  std::vector<std::string> out;
  for (const auto& e : records.events())
    if (e.task == "store_validate") out.push_back(e.outcome);
  return out;
}

}  // namespace

TEST_CASE("run_if: a first column reads as true, false or neither", "[tasks][run_if]") {
  struct Case {
    const char* text;
    std::optional<bool> expected;
  };
  for (auto c :
       {Case{"t", true}, Case{"true", true}, Case{"TRUE", true}, Case{"1", true}, Case{"42", true},
        Case{"-1", true}, Case{"0.5", true}, Case{"f", false}, Case{"false", false},
        Case{"False", false}, Case{"0", false}, Case{"0.0", false}, Case{"", std::nullopt},
        Case{"yes", std::nullopt}, Case{"1 ", std::nullopt}, Case{"ok", std::nullopt},
        Case{"1e999", std::nullopt}, Case{"NaN", std::nullopt}}) {
    INFO("'" << c.text << "'");
    CHECK(tasks::truth_of(c.text) == c.expected);
  }
}

TEST_CASE("run_if: a window waits without counting an attempt, then runs once it holds",
          "[tasks][run_if]") {
  test::ChainRun c;
  run_if(c).min_source_rows = 10;
  const auto id = c.add(0, 4);

  CHECK(c.run().end == tasks::ChainEnd::released);
  auto row = c.records.row(id);
  CHECK(row.record.status == Status::pending);
  CHECK(row.record.retry_attempt == 0);
  CHECK(row.record.phase == store::Phase::none);
  CHECK_THAT(row.error_message,
             StartsWith("waiting for run_if: min_source_rows: the source has 4 rows in the "
                        "window, fewer than 10; next check at "));
  CHECK_THAT(row.error_message, Contains("(give_up_after 1d)"));
  // The first wait is the base's: 10 s, half fixed and a quarter of the rest: 6.25, rounded.
  CHECK(row.next_attempt_at == c.records.now() + 6s);
  CHECK(c.p.source->script().calls("extract") == 0);
  CHECK_FALSE(c.claimable());

  // Still false later: the next wait is as long as the wait so far, 100 s, capped at 60 s:
  // 30 s fixed and a quarter of the rest, 37.5, rounded.
  c.records.advance(100s);
  CHECK(c.run().end == tasks::ChainEnd::released);
  CHECK(c.records.row(id).next_attempt_at == c.records.now() + 38s);

  c.p.source->set_rows(test::FakePipeline::window(0).start, 10);
  c.records.advance(38s);
  CHECK(c.run().end == tasks::ChainEnd::success);
  row = c.records.row(id);
  CHECK(row.record.status == Status::success);
  CHECK(row.record.retry_attempt == 0);
  CHECK(row.error_message.empty());
  CHECK(validate_outcomes(c.records) == std::vector<std::string>{"WAITING", "WAITING"});
}

TEST_CASE("run_if: a window still waiting after give_up_after ends FAILED with the reason",
          "[tasks][run_if]") {
  test::ChainRun c;
  auto& r = run_if(c);
  r.min_source_rows = 1;
  r.give_up_after = 300s;
  const auto id = c.add(0, 0);
  CHECK(c.run().end == tasks::ChainEnd::released);
  c.records.advance(290s);
  CHECK(c.run().end == tasks::ChainEnd::released);
  // The last check falls when the wait ends, not a whole delay after it.
  CHECK(c.records.row(id).next_attempt_at == c.records.now() + 10s);
  c.records.advance(10s);
  CHECK(c.run().end == tasks::ChainEnd::failed);
  const auto row = c.records.row(id);
  CHECK(row.record.status == Status::failed);
  CHECK(row.record.retry_attempt == 0);
  CHECK(row.error_message ==
        "run_if still false 5m after the first claim (give_up_after 5m): min_source_rows: the "
        "source has no row in the window");
  CHECK(c.p.source->script().calls("extract") == 0);
}

TEST_CASE("run_if: on_false skip ends the window SKIPPED with the reason", "[tasks][run_if]") {
  test::ChainRun c;
  auto& r = run_if(c);
  r.min_source_rows = 5;
  r.skip = true;
  const auto id = c.add(0, 3);
  CHECK(c.run().end == tasks::ChainEnd::skipped);
  const auto row = c.records.row(id);
  CHECK(row.record.status == Status::skipped);
  CHECK(row.error_message ==
        "skipped by run_if: min_source_rows: the source has 3 rows in the window, fewer than 5");
  CHECK(c.p.source->script().calls("extract") == 0);
}

TEST_CASE("run_if: a calendar day is skipped whatever on_false says", "[tasks][run_if]") {
  test::ChainRun c;
  auto& r = run_if(c);
  REQUIRE(time::add_calendar_entry(r.calendar, "Mon"));  // 2024-01-01, the first window
  r.min_source_rows = 1;
  const auto id = c.add(0, 5);
  CHECK(c.run().end == tasks::ChainEnd::skipped);
  CHECK(c.records.row(id).error_message ==
        "skipped by run_if: calendar: Monday 2024-01-01 is listed (monday)");
  // Asked first: the source was not counted.
  CHECK(c.p.source->script().calls("count") == 0);
}

TEST_CASE("run_if: every condition must hold, and the first false one is the reason",
          "[tasks][run_if]") {
  test::TempDir dir;
  test::ChainRun c;
  auto& r = run_if(c);
  REQUIRE(time::add_calendar_entry(r.calendar, "2024-01-02"));
  r.file_exists = *time::FieldTemplate::parse("{window_start:%Y%m%d%H}/_SUCCESS");
  r.file_root = dir.path();
  r.min_source_rows = 2;
  r.skip = true;
  c.add(0, 1);
  c.add(1, 5);
  c.add(2, 5);
  test::write_file(dir.path() / "2024010101" / "_SUCCESS", "");
  test::write_file(dir.path() / "2024010102" / "_SUCCESS", "");
  // Window 0 has no marker; windows 1 and 2 have theirs and enough rows, on a day the
  // calendar does not list: every condition holds.
  CHECK(c.run().end == tasks::ChainEnd::skipped);
  CHECK_THAT(c.records.row(c.last.id).error_message,
             Contains("file_exists: " + (dir.path() / "2024010100" / "_SUCCESS").string() +
                      " does not exist"));
  CHECK(c.run().end == tasks::ChainEnd::success);
  CHECK(c.run().end == tasks::ChainEnd::success);
  CHECK(c.p.source->script().calls("count") >= 2);
}

TEST_CASE("run_if: a marker that appears later lets the waiting window run", "[tasks][run_if]") {
  test::TempDir dir;
  test::ChainRun c;
  auto& r = run_if(c);
  r.file_exists =
      *time::FieldTemplate::parse((dir.path() / "{window_start:%Y/%m/%d}/_SUCCESS").string());
  const auto id = c.add(0, 7);
  CHECK(c.run().end == tasks::ChainEnd::released);
  CHECK_THAT(c.records.row(id).error_message,
             Contains((dir.path() / "2024/01/01/_SUCCESS").string() + " does not exist"));
  test::write_file(dir.path() / "2024/01/01/_SUCCESS", "");
  c.records.advance(6s);
  CHECK(c.run().end == tasks::ChainEnd::success);
  CHECK(c.p.target->rows(c.p.runtime->id, test::FakePipeline::window(0).start) == 7);
}

TEST_CASE("run_if: a condition that cannot be asked is retried as an error, never a pass",
          "[tasks][run_if]") {
  test::ChainRun c;
  run_if(c).min_source_rows = 1;
  const auto id = c.add(0, 5);
  c.p.source->script().fail("count", 1, Error::permanent("no such table"));
  CHECK(c.run().end == tasks::ChainEnd::retry_scheduled);
  const auto row = c.records.row(id);
  CHECK(row.record.retry_attempt == 1);
  CHECK(row.error_message ==
        "retryable: run_if.min_source_rows: counting the source: no such table");
  CHECK(c.p.source->script().calls("extract") == 0);
  c.records.advance(6s);
  CHECK(c.run().end == tasks::ChainEnd::success);
}

TEST_CASE("run_if: a retry that resumes after a completed phase is not asked again",
          "[tasks][run_if]") {
  test::ChainRun c;
  run_if(c).min_source_rows = 100;
  const auto id = c.add(0, 5);
  c.records.set_phase(id, store::Phase::pre_validation);
  CHECK(c.run().end == tasks::ChainEnd::success);
  CHECK(validate_outcomes(c.records).empty());
}
