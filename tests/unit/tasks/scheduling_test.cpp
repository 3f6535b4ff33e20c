// The scheduling duties without a server, on the fake store: generating due windows (batches,
// a cut catchup, backfill windows ahead, a failing pipeline among others), freeing stale
// locks with each pipeline's threshold and the daemon's fallback, and releasing a daemon's
// own orphaned claims.
#include <catch2/catch.hpp>

#include "tasks/lease_keeper.hpp"
#include "tasks/runner.hpp"
#include "tasks/scheduling.hpp"
#include "tests/support/fakes/fake_pipeline.hpp"
#include "tests/support/fakes/fake_records.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using store::Status;

namespace {

const Instant kNow = test::kFakeStart + std::chrono::hours(24 * 365);

// A pipeline of `hours` hourly windows.
std::shared_ptr<tasks::PipelineRuntime> hourly(const std::string& id, int hours) {
  auto p = test::fake_pipeline(id).runtime;
  p->windows.end = test::kFakeStart + std::chrono::hours(hours);
  return p;
}

std::vector<Instant> starts(const test::FakeRecords& records) {
  std::vector<Instant> out;
  for (const auto& row : records.rows()) out.push_back(row.record.window.start);
  return out;
}

}  // namespace

TEST_CASE("generate_due inserts the due windows once, in batches", "[tasks][scheduling]") {
  test::FakeRecords records(kNow);
  const auto p = hourly("orders", 6);
  auto created = tasks::generate_due(records, *p, kNow, 4);
  REQUIRE(created);
  CHECK(*created == 6);
  CHECK(records.script().calls("insert_pending") == 2);    // 4, then 2
  CHECK(*tasks::generate_due(records, *p, kNow, 4) == 0);  // idempotent
  const auto rows = records.rows();
  REQUIRE(rows.size() == 6);
  CHECK(rows[0].record.window == test::FakePipeline::window(0));
  CHECK(rows[5].record.window == test::FakePipeline::window(5));
  CHECK(rows[0].record.target_day == "2024-01-01");
  CHECK(rows[0].record.time_interval == "1h");
}

TEST_CASE("only windows due at `now` are generated", "[tasks][scheduling]") {
  test::FakeRecords records(kNow);
  const auto p = hourly("orders", 6);
  p->windows.x_time_back = *time::parse_duration("30m");
  // At 03:20 the 02:00-03:00 window is not stable yet (03:30).
  CHECK(*tasks::generate_due(records, *p, test::kFakeStart + 3h + 20min, 100) == 2);
}

TEST_CASE("a catchup cut short goes on from the newest record at the next call",
          "[tasks][scheduling]") {
  test::FakeRecords records(kNow);
  const auto p = hourly("orders", 6);
  const auto stop = [] { return false; };
  CHECK(*tasks::generate_due(records, *p, kNow, 2, stop) == 2);
  CHECK(*tasks::generate_due(records, *p, kNow, 2, stop) == 2);
  CHECK(*tasks::generate_due(records, *p, kNow, 100) == 2);
  CHECK(records.rows().size() == 6);
}

TEST_CASE("a backfill window ahead of the schedule does not make generation skip any",
          "[tasks][scheduling]") {
  test::FakeRecords records(kNow);
  const auto p = hourly("orders", 6);
  records.add(p->id, test::FakePipeline::window(4), Trigger::backfill);
  CHECK(*tasks::generate_due(records, *p, kNow, 100) == 5);  // the backfill one is there already
  const auto made = starts(records);
  for (int i = 0; i < 6; ++i)
    CHECK(std::count(made.begin(), made.end(), test::FakePipeline::window(i).start) == 1);
}

TEST_CASE("generate_all goes on past a pipeline that cannot generate", "[tasks][scheduling]") {
  test::FakeRecords records(kNow);
  const tasks::Runtimes pipelines{hourly("broken", 3), hourly("orders", 3)};
  // The read of both fails, then broken's alone (generation_test.cpp: the batches).
  records.script().fail("last_window_ends", 1, Error::retryable("statement timeout"));
  records.script().fail("last_window_end", 1, Error::retryable("statement timeout"));
  const auto report = tasks::generate_all(records, pipelines, kNow, {});
  CHECK(report.created == 3);
  REQUIRE(report.failed.size() == 1);
  CHECK(report.failed[0].first == PipelineId{"broken"});
  CHECK(report.failed[0].second.message == "statement timeout");
  CHECK(report.cut.empty());
}

TEST_CASE("generate_all generates nothing once draining", "[tasks][scheduling]") {
  test::FakeRecords records(kNow);
  const tasks::Runtimes pipelines{hourly("orders", 3)};
  const auto report = tasks::generate_all(
      records, pipelines, kNow, {.batch = 10, .budget = {}, .keep_going = [] { return false; }});
  CHECK(report.created == 0);
  CHECK(records.rows().empty());
}

TEST_CASE("stale locks are freed with each pipeline's threshold, the fallback for the rest",
          "[tasks][scheduling][stale]") {
  test::FakeRecords records(kNow);
  auto fast = hourly("fast", 1), slow = hourly("slow", 1), gone = hourly("gone", 1);
  fast->stale_threshold = 60s;
  slow->stale_threshold = 900s;
  for (const auto& p : {fast, slow, gone}) {
    records.add(p->id, test::FakePipeline::window(0));
    REQUIRE(*records.claim(std::vector<store::ClaimLimit>{{p->id, 1, 1}}));
  }
  // `gone` is no longer configured: the daemon's stale_threshold (300 s) decides for it.
  const auto policy = tasks::stale_policy({fast, slow}, 300s);
  REQUIRE(policy.limits.size() == 2);
  CHECK(policy.fallback.threshold == 300s);
  const auto status = [&](const PipelineId& id) {
    for (const auto& row : records.rows())
      if (row.record.pipeline == id) return row.record.status;
    FAIL("no record of " << id.value);
    return Status::failed;
  };

  records.advance(120s);
  auto report = tasks::free_stale_locks(records, policy);
  REQUIRE(report);
  CHECK(report->returned_to_pending == 1);
  CHECK(status(fast->id) == Status::pending);
  CHECK(status(gone->id) == Status::in_progress);

  records.advance(300s);  // 420 s
  CHECK(tasks::free_stale_locks(records, policy)->returned_to_pending == 1);
  CHECK(status(gone->id) == Status::pending);
  CHECK(status(slow->id) == Status::in_progress);

  records.advance(600s);  // 1020 s
  CHECK(tasks::free_stale_locks(records, policy)->returned_to_pending == 1);
  CHECK(status(slow->id) == Status::pending);
  for (const auto& row : records.rows()) {
    CHECK(row.record.retry_attempt == 1);  // an expired lease counts an attempt
    CHECK(row.error_message.starts_with("lock of fake-host:1 expired: no heartbeat since "));
  }
}

TEST_CASE("a heartbeat keeps a lock, retries used up make an expired one FAILED",
          "[tasks][scheduling][stale]") {
  test::FakeRecords records(kNow);
  auto p = hourly("orders", 2);
  p->stale_threshold = 60s;
  p->max_retries = 0;
  p->max_active_windows = 2;
  const auto first = records.add(p->id, test::FakePipeline::window(0));
  const auto second = records.add(p->id, test::FakePipeline::window(1));
  const std::vector<store::ClaimLimit> limits{{p->id, 2, 1}};
  const auto renewed = **records.claim(limits);
  REQUIRE(*records.claim(limits));
  records.advance(50s);
  REQUIRE(*records.heartbeat(renewed));
  records.advance(50s);  // 100 s since the claims, 50 s since the heartbeat
  const auto report = tasks::free_stale_locks(records, tasks::stale_policy({p}, 7200s));
  REQUIRE(report);
  CHECK(report->failed == 1);
  CHECK(report->returned_to_pending == 0);
  CHECK(records.row(renewed.id).record.status == Status::in_progress);
  CHECK(records.row(renewed.id == first ? second : first).record.status == Status::failed);
}

TEST_CASE("own orphans: unheld and unrenewed for 3 intervals are released, the rest kept",
          "[tasks][scheduling][orphans][threads]") {
  test::FakeRecords records(kNow);
  auto p = hourly("orders", 6);
  for (int i = 0; i < 6; ++i) records.add(p->id, test::FakePipeline::window(i));
  const std::vector<store::ClaimLimit> limits{{p->id, 6, 1}};
  const auto claim = [&] { return **records.claim(limits); };
  const auto held = claim(), left = claim(), other = claim(), orphan = claim();
  // An hour's interval: the keeper renews nothing during the test, so only what it
  // accounts for keeps a window.
  tasks::LeaseKeeper keeper([&] { return records.connect(); }, std::chrono::hours(1));
  keeper.hold(held);
  keeper.hold(left);
  keeper.leave(left);
  records.take_over(other.id);  // another daemon's now
  records.advance(3h);
  const auto young = claim();  // a claim not held yet: its lease is the claim's own instant
  const auto status = [&](const store::Record& r) { return records.row(r.id).record.status; };

  CHECK(*tasks::release_orphans(records, keeper) == 0);  // 3 h exactly is not older
  records.advance(1s);
  const auto released = tasks::release_orphans(records, keeper);
  REQUIRE(released);
  CHECK(*released == 1);
  for (const auto& kept : {held, left, other, young}) CHECK(status(kept) == Status::in_progress);
  const auto row = records.row(orphan.id);
  CHECK(row.record.status == Status::pending);
  CHECK(row.record.retry_attempt == 0);
  CHECK(row.error_message == "released: orphaned claim of this daemon");
  CHECK(row.next_attempt_at == records.now());
  const auto events = records.events();
  CHECK(events.back().record == orphan.id);
  CHECK(events.back().run == orphan.run);
  CHECK(events.back().outcome == "RELEASED");

  // A window its worker lets go without ending it is an orphan like any other, and the young
  // one is once it is old enough; the left one stays the stale-lock cleanup's.
  CHECK(*tasks::release_orphans(records, keeper) == 0);
  keeper.release(held);
  records.advance(3h);
  CHECK(*tasks::release_orphans(records, keeper) == 2);  // `held` and `young`
  CHECK(status(held) == Status::pending);
  CHECK(status(young) == Status::pending);
  CHECK(status(left) == Status::in_progress);
}

TEST_CASE("an orphan release whose query fails frees nothing", "[tasks][scheduling][orphans]") {
  test::FakeRecords records(kNow);
  auto p = hourly("orders", 1);
  records.add(p->id, test::FakePipeline::window(0));
  const auto r = **records.claim(std::vector<store::ClaimLimit>{{p->id, 1, 1}});
  records.advance(24h);
  tasks::LeaseKeeper keeper([&] { return records.connect(); }, std::chrono::hours(1));
  records.script().fail("own_unrenewed_locks", 1, Error::retryable("statement timeout"));
  const auto released = tasks::release_orphans(records, keeper);
  REQUIRE_FALSE(released);
  CHECK(released.error().message == "statement timeout");
  CHECK(records.row(r.id).record.status == Status::in_progress);
  CHECK(*tasks::release_orphans(records, keeper) == 1);  // the next round
}
