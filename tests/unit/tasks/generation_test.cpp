// Batched generation (tasks/generation.cpp) on the fake store: the statements it makes for
// many pipelines, the windows it makes (the same as generate_due one pipeline at a time), and
// what becomes of a failure: a statement of many pipelines is redone one pipeline at a time so
// the failing one is named alone, and a lost connection stops at once.
#include <catch2/catch.hpp>

#include <set>
#include <tuple>

#include "tasks/runner.hpp"
#include "tasks/scheduling.hpp"
#include "tests/support/fakes/fake_pipeline.hpp"
#include "tests/support/fakes/fake_records.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

const Instant kNow = test::kFakeStart + std::chrono::hours(24 * 365);

// A pipeline of `hours` hourly windows from kFakeStart.
std::shared_ptr<tasks::PipelineRuntime> hourly(const std::string& id, int hours) {
  auto p = test::fake_pipeline(id).runtime;
  p->windows.end = test::kFakeStart + std::chrono::hours(hours);
  return p;
}

tasks::Runtimes many(int n, int hours) {
  tasks::Runtimes out;
  for (int i = 0; i < n; ++i) out.push_back(hourly("p" + std::to_string(i), hours));
  return out;
}

std::int64_t count_of(const test::FakeRecords& records, const std::string& pipeline) {
  std::int64_t n = 0;
  for (const auto& row : records.rows()) n += row.record.pipeline.value == pipeline ? 1 : 0;
  return n;
}

using Made = std::set<
    std::tuple<std::string, Instant, Instant, std::string, std::string, std::string, std::string>>;
Made made(const test::FakeRecords& records) {
  Made out;
  for (const auto& row : records.rows()) {
    const auto& r = row.record;
    out.emplace(r.pipeline.value, r.window.start, r.window.end, r.target_day, r.time_interval,
                std::string(to_string(r.trigger)), r.business_fields.dump());
  }
  return out;
}

Error lost_connection() {
  return Error{ErrorKind::retryable, "server closed the connection", true};
}

}  // namespace

TEST_CASE("a tick of many pipelines is one read and one insert", "[tasks][generation]") {
  test::FakeRecords records(kNow);
  const auto pipelines = many(50, 1);
  const auto report = tasks::generate_all(records, pipelines, kNow, {.batch = 1000});
  CHECK(report.created == 50);
  CHECK(report.failed.empty());
  CHECK_FALSE(report.lost);
  CHECK(records.script().calls("last_window_ends") == 1);
  CHECK(records.script().calls("insert_pending_each") == 1);
  CHECK(records.script().calls("last_window_end") == 0);
  CHECK(records.script().calls("insert_pending") == 0);
  // The next tick finds nothing new, and says so without writing.
  CHECK(tasks::generate_all(records, pipelines, kNow, {.batch = 1000}).created == 0);
  CHECK(records.script().calls("insert_pending_each") == 1);
}

TEST_CASE("an insert holds at most a batch of windows, each pipeline's in one statement",
          "[tasks][generation]") {
  test::FakeRecords records(kNow);
  // Three windows each, seven per statement: two pipelines fit, the third waits for the next.
  const auto report = tasks::generate_all(records, many(10, 3), kNow, {.batch = 7});
  CHECK(report.created == 30);
  CHECK(records.script().calls("insert_pending_each") == 5);
}

TEST_CASE("the newest windows are read `pipelines` at a time", "[tasks][generation]") {
  test::FakeRecords records(kNow);
  const auto report =
      tasks::generate_all(records, many(10, 2), kNow, {.batch = 1000, .pipelines = 4});
  CHECK(report.created == 20);
  CHECK(records.script().calls("last_window_ends") == 3);
}

TEST_CASE("a long catchup goes on alone, under the time budget, while the others are made",
          "[tasks][generation]") {
  test::FakeRecords records(kNow);
  const tasks::Runtimes pipelines{hourly("short", 2), hourly("long", 10), hourly("other", 1)};
  const auto report =
      tasks::generate_all(records, pipelines, kNow, {.batch = 4, .budget = 1ns, .keep_going = {}});
  CHECK(count_of(records, "short") == 2);
  CHECK(count_of(records, "other") == 1);
  CHECK(count_of(records, "long") == 4);  // one batch, then the budget is spent
  REQUIRE(report.cut.size() == 1);
  CHECK(report.cut[0]->id == PipelineId{"long"});
  // The next call goes on from the newest record.
  const auto rest = tasks::generate_all(records, pipelines, kNow, {.batch = 4});
  CHECK(rest.created == 6);
  CHECK(rest.cut.empty());
}

TEST_CASE("batched generation makes exactly the windows of generate_due one pipeline at a time",
          "[tasks][generation]") {
  auto utc = hourly("utc", 30);
  auto no_catchup = hourly("latest_only", 30);
  no_catchup->windows.catchup = false;
  auto lag = hourly("lagged", 30);
  lag->windows.x_time_back = *time::parse_duration("90m");
  auto paris = test::fake_pipeline("paris").runtime;
  paris->windows.granularity = *time::Granularity::parse("1d");
  paris->windows.zone = *time::locate_zone("Europe/Paris");
  paris->windows.start = test::kFakeStart;
  paris->windows.end = test::kFakeStart + std::chrono::hours(24 * 40);
  paris->business_fields.emplace("day", *time::FieldTemplate::parse("{target_day}"));
  auto kolkata = test::fake_pipeline("kolkata").runtime;
  kolkata->windows.granularity = *time::Granularity::parse("15m");
  kolkata->windows.zone = *time::locate_zone("Asia/Kolkata");
  kolkata->windows.start = test::kFakeStart;
  kolkata->windows.end = test::kFakeStart + std::chrono::hours(5);
  auto future = hourly("future", 30);
  future->windows.start = kNow + std::chrono::hours(1);
  const tasks::Runtimes pipelines{utc, no_catchup, lag, paris, kolkata, future, hourly("short", 3)};

  // The same history in both stores: some windows made, one backfill ahead of the schedule.
  const auto seed = [&](test::FakeRecords& r) {
    for (int i = 0; i < 3; ++i) r.add(utc->id, test::FakePipeline::window(i));
    r.add(utc->id, test::FakePipeline::window(20), Trigger::backfill);
    r.add(lag->id, test::FakePipeline::window(0));
  };
  for (const auto at : {test::kFakeStart + 26h + 10min, kNow}) {
    test::FakeRecords batched(kNow), alone(kNow);
    seed(batched);
    seed(alone);
    const auto report = tasks::generate_all(batched, pipelines, at, {.batch = 5});
    std::int64_t created = 0;
    for (const auto& p : pipelines) created += *tasks::generate_due(alone, *p, at, 5);
    CHECK(report.created == created);
    CHECK(made(batched) == made(alone));
    CHECK(report.failed.empty());
  }
}

TEST_CASE("a failing insert of many pipelines is redone one at a time, the failing one alone",
          "[tasks][generation]") {
  test::FakeRecords records(kNow);
  const tasks::Runtimes pipelines{hourly("first", 2), hourly("broken", 2), hourly("last", 2)};
  records.script().fail("insert_pending_each", 1, Error::permanent("value too long"));
  records.script().fail_at("insert_pending", 2, Error::permanent("value too long for broken"));
  const auto report = tasks::generate_all(records, pipelines, kNow, {.batch = 1000});
  CHECK(report.created == 4);
  REQUIRE(report.failed.size() == 1);
  CHECK(report.failed[0].first == PipelineId{"broken"});
  CHECK(report.failed[0].second.message == "value too long for broken");
  CHECK(count_of(records, "first") == 2);
  CHECK(count_of(records, "broken") == 0);
  CHECK(count_of(records, "last") == 2);
  // At the next tick the batch works again and makes what the failing one missed.
  CHECK(tasks::generate_all(records, pipelines, kNow, {.batch = 1000}).created == 2);
}

TEST_CASE("a failing read of many pipelines is redone one at a time, the failing one alone",
          "[tasks][generation]") {
  test::FakeRecords records(kNow);
  const tasks::Runtimes pipelines{hourly("first", 2), hourly("broken", 2), hourly("last", 2)};
  records.script().fail("last_window_ends", 1, Error::retryable("statement timeout"));
  records.script().fail_at("last_window_end", 2, Error::retryable("statement timeout"));
  const auto report = tasks::generate_all(records, pipelines, kNow, {.batch = 1000});
  CHECK(report.created == 4);
  REQUIRE(report.failed.size() == 1);
  CHECK(report.failed[0].first == PipelineId{"broken"});
  CHECK(count_of(records, "broken") == 0);
}

TEST_CASE("a lost connection stops generation at once, with no pipeline blamed",
          "[tasks][generation]") {
  test::FakeRecords records(kNow);
  records.script().fail("insert_pending_each", 1, lost_connection());
  auto report = tasks::generate_all(records, many(20, 1), kNow, {.batch = 1000, .pipelines = 5});
  REQUIRE(report.lost);
  CHECK(report.lost->connection_lost);
  CHECK(report.failed.empty());
  CHECK(records.script().calls("insert_pending") == 0);  // no redo one by one
  CHECK(records.script().calls("last_window_ends") == 1);
  CHECK(records.rows().empty());

  records.script().fail("last_window_ends", 1, lost_connection());
  report = tasks::generate_all(records, many(20, 1), kNow, {.batch = 1000, .pipelines = 5});
  REQUIRE(report.lost);
  CHECK(records.script().calls("last_window_end") == 0);
  CHECK(records.rows().empty());
}

TEST_CASE("a drain stops generation between reads", "[tasks][generation]") {
  test::FakeRecords records(kNow);
  int asked = 0;
  const auto report = tasks::generate_all(
      records, many(10, 1), kNow,
      {.batch = 1000, .budget = {}, .keep_going = [&] { return ++asked <= 1; }, .pipelines = 4});
  CHECK(report.created == 4);  // the first read's pipelines; the drain came before the next
  CHECK(records.script().calls("last_window_ends") == 1);
}
