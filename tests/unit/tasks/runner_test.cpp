// A worker without servers (claim_and_run, run_worker, release_windows) on the fake store
// and a lease keeper renewing through it: claim order and limits, a drain, store errors, a
// lost connection recovered on a fresh store, backfill windows settled as they end.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>

#include "tasks/runner.hpp"
#include "tests/support/fakes/fake_pipeline.hpp"
#include "tests/support/fakes/fake_records.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using store::Status;

namespace {

const Instant kNow = test::kFakeStart + std::chrono::hours(24 * 365);
const Error kConnectionLost{ErrorKind::retryable, "server closed the connection", true};

struct Worker {
  Worker() { pipelines.push_back(p.runtime); }

  RecordId add(const test::FakePipeline& pipeline, int i, Trigger trigger = Trigger::scheduled) {
    pipeline.source->set_rows(test::FakePipeline::window(i).start, 10);
    return records.add(pipeline.runtime->id, test::FakePipeline::window(i), trigger);
  }
  RecordId add(int i, Trigger trigger = Trigger::scheduled) { return add(p, i, trigger); }

  tasks::WorkerSource source() {
    return {[this] { return tasks::claimable(pipelines); }, [this] { return !draining.load(); }};
  }
  tasks::WorkerEnd run() { return tasks::claim_and_run(records, leases, source()); }

  // The record ids in the order they were claimed.
  std::vector<std::int64_t> claim_order() const {
    std::vector<std::int64_t> out;
    for (const auto& e : records.events())
      if (e.task == "claim") out.push_back(e.record.value);
    return out;
  }

  test::FakeRecords records{kNow};
  test::FakePipeline p = test::fake_pipeline();
  tasks::Runtimes pipelines;
  std::atomic<bool> draining{false};
  tasks::LeaseKeeper leases{[this] { return records.connect(); }, 10ms};
};

}  // namespace

TEST_CASE("a worker claims the oldest window first and runs until none is claimable",
          "[tasks][runner][threads]") {
  Worker w;
  const auto third = w.add(2), first = w.add(0), second = w.add(1);
  const auto end = w.run();
  CHECK(end.summary.success == 3);
  CHECK(end.summary.rows == 30);
  CHECK_FALSE(end.store_error);
  CHECK(w.claim_order() == std::vector{first.value, second.value, third.value});
  CHECK(w.leases.running() == 0);  // every lease released
}

TEST_CASE("a window waiting for its next attempt is passed over until then",
          "[tasks][runner][threads]") {
  Worker w;
  const auto retried = w.add(0);
  const auto other = w.add(1);
  w.p.source->script().fail("extract", 1, Error::retryable("busy"));
  auto end = w.run();
  CHECK(end.summary.retries == 1);
  CHECK(end.summary.success == 1);
  CHECK(w.records.row(retried).record.status == Status::pending);
  CHECK(w.records.row(other).record.status == Status::success);
  w.records.advance(60s);
  end = w.run();
  CHECK(end.summary.success == 1);
  CHECK(w.records.row(retried).record.status == Status::success);
}

TEST_CASE("a pipeline at its max_active_windows is passed over, others are claimed",
          "[tasks][runner][threads]") {
  Worker w;
  auto other = test::fake_pipeline("other");
  w.pipelines.push_back(other.runtime);
  w.add(0);
  const auto waiting = w.add(1);
  const auto b0 = w.add(other, 0), b1 = w.add(other, 1);
  // Another worker holds orders' oldest window: orders' one slot is taken.
  const std::vector<store::ClaimLimit> orders_only{{w.p.runtime->id, 1, 1}};
  REQUIRE(*w.records.claim(orders_only));
  const auto end = w.run();
  CHECK(end.summary.success == 2);
  CHECK(w.records.row(waiting).record.status == Status::pending);
  CHECK(w.records.row(b0).record.status == Status::success);
  CHECK(w.records.row(b1).record.status == Status::success);
}

TEST_CASE("live windows are claimed before backfill ones, under separate limits",
          "[tasks][runner][threads]") {
  Worker w;
  const auto backfill = w.add(0, Trigger::backfill);
  const auto live = w.add(5);
  const auto end = w.run();
  CHECK(end.summary.success == 2);
  CHECK(w.claim_order() == std::vector{live.value, backfill.value});
}

TEST_CASE("a drain lets the held window finish and claims no more",
          "[tasks][runner][drain][threads]") {
  Worker w;
  const auto held = w.add(0);
  const auto next = w.add(1), last = w.add(2);
  w.p.source->on_extract([&] { w.draining = true; });  // SIGTERM while the first window runs
  const auto end = w.run();
  CHECK(end.summary.success == 1);
  CHECK(w.records.row(held).record.status == Status::success);
  CHECK(w.records.row(next).record.status == Status::pending);
  CHECK(w.records.row(last).record.status == Status::pending);
  CHECK(w.claim_order() == std::vector{held.value});
}

TEST_CASE("a claim the store refuses ends the worker without an outage",
          "[tasks][runner][threads]") {
  Worker w;
  w.add(0);
  SECTION("refused: counted, no outage") {
    w.records.script().fail("claim", 1, Error::permanent("statement timeout"));
    const auto end = w.run();
    CHECK(end.summary.store_errors == 1);
    CHECK_FALSE(end.store_error);
  }
  SECTION("the connection lost: an outage") {
    w.records.script().fail("claim", 1, kConnectionLost);
    const auto end = w.run();
    REQUIRE(end.store_error);
    CHECK(end.store_error->connection_lost);
    CHECK(end.summary.store_errors == 0);
  }
}

TEST_CASE("a write lost with the connection leaves the window to release",
          "[tasks][runner][threads]") {
  Worker w;
  const auto id = w.add(0);
  w.add(1);
  w.records.script().fail("write_task", 1, kConnectionLost);
  const auto end = w.run();
  REQUIRE(end.store_error);
  CHECK(end.summary.store_errors == 1);
  REQUIRE(end.unfinished.size() == 1);
  CHECK(end.unfinished[0].id == id);
  CHECK(w.claim_order().size() == 1);  // the worker stopped
}

TEST_CASE("a window whose writes are refused is left to the stale-lock cleanup, not orphaned",
          "[tasks][runner][orphans][threads]") {
  Worker w;
  const auto id = w.add(0);
  // Refused, not lost: its outcome, then the failure written in its place.
  w.records.refuse_write([](const auto&, const auto&) {
    return std::optional(Error::retryable("canceling statement due to statement timeout"));
  });
  const auto end = w.run();
  CHECK(end.summary.store_errors == 1);
  CHECK_FALSE(end.store_error);
  CHECK(end.unfinished.empty());
  CHECK(w.leases.running() == 0);  // no longer renewed
  const auto row = w.records.row(id);
  REQUIRE(row.record.status == Status::in_progress);
  CHECK(w.leases.accounts_for(row.record));
  w.records.refuse_write({});
  w.records.advance(3600s);
  // The orphan release leaves it; the stale-lock cleanup frees it and counts the attempt, so
  // a write refused at every run ends FAILED once its retries are used up.
  CHECK(*tasks::release_orphans(w.records, w.leases) == 0);
  CHECK(w.records.row(id).record.status == Status::in_progress);
  const auto report =
      tasks::free_stale_locks(w.records, tasks::stale_policy(w.pipelines, std::chrono::hours(2)));
  REQUIRE(report);
  CHECK(report->returned_to_pending == 1);
  CHECK(w.records.row(id).record.retry_attempt == 1);
}

TEST_CASE("a backfill window that ends settles its request, a retried one does not yet",
          "[tasks][runner][threads]") {
  Worker w;
  const auto done = w.add(0, Trigger::backfill);
  const auto retried = w.add(1, Trigger::backfill);
  const auto scheduled = w.add(2);
  w.records.refuse_write([&](const store::Record& r, const store::TaskWrite& write) {
    // The second backfill window's source->stage fails once, retryably.
    if (r.id == retried && write.task == store::Task::source_to_stage &&
        write.status == store::TaskStatus::success &&
        w.records.row(retried).record.retry_attempt == 0)
      return std::optional(Error::retryable("lock timeout"));
    return std::optional<Error>{};
  });
  const auto end = w.run();
  CHECK(end.summary.success == 2);
  CHECK(end.summary.retries == 1);
  CHECK(w.records.settled() == std::vector{done});
  CHECK(w.records.row(scheduled).record.status == Status::success);
}

TEST_CASE("run_worker tries a fresh store once and releases the window whose write was lost",
          "[tasks][runner][threads]") {
  Worker w;
  const auto id = w.add(0);
  int opened = 0;
  bool gone = false;  // the database, for the worker's own connections
  const tasks::OpenStore open = [&]() -> Result<std::unique_ptr<store::RecordStore>> {
    ++opened;
    if (gone) return fail(kConnectionLost);
    return w.records.connect();
  };
  // Each write_task whose number is listed is lost with the connection.
  const auto lose_writes = [&](std::vector<int> lost) {
    w.records.refuse_write([lost, n = 0](const auto&, const auto&) mutable {
      ++n;
      const bool hit = std::find(lost.begin(), lost.end(), n) != lost.end();
      return hit ? std::optional(kConnectionLost) : std::nullopt;
    });
  };
  std::unique_ptr<store::RecordStore> store;
  SECTION("the database is back: released, claimed again and finished") {
    lose_writes({1});
    const auto end = tasks::run_worker(store, open, w.leases, w.source());
    CHECK_FALSE(end.store_error);
    CHECK(end.unfinished.empty());
    CHECK(end.summary.store_errors == 1);
    CHECK(end.summary.success == 1);
    CHECK(store);  // kept for the next wake-up
    CHECK(opened == 2);
    const auto events = w.records.events();
    CHECK(std::count_if(events.begin(), events.end(), [](const auto& e) {
            return e.outcome == "RELEASED" &&
                   e.message == "released: its write failed on a lost connection";
          }) == 1);
    CHECK(w.records.row(id).record.retry_attempt == 0);  // a release counts no attempt
    CHECK(w.records.row(id).record.status == Status::success);
  }
  SECTION("the database still gone: the window stays to release later") {
    lose_writes({1});
    store = *w.records.connect();  // an idle store from an earlier wake-up
    gone = true;
    const auto end = tasks::run_worker(store, open, w.leases, w.source());
    REQUIRE(end.store_error);
    CHECK(end.unfinished.size() == 1);
    CHECK_FALSE(store);
    CHECK(opened == 1);
    CHECK(w.records.row(id).record.status == Status::in_progress);
  }
  SECTION("lost again while releasing: the window stays to release later") {
    lose_writes({1, 2});
    const auto end = tasks::run_worker(store, open, w.leases, w.source());
    REQUIRE(end.store_error);
    CHECK(end.unfinished.size() == 1);
    CHECK_FALSE(store);
  }
  SECTION("lost again on the fresh store: the worker gives up after one") {
    lose_writes({1, 3});
    const auto end = tasks::run_worker(store, open, w.leases, w.source());
    REQUIRE(end.store_error);
    REQUIRE(end.unfinished.size() == 1);
    CHECK(end.unfinished[0].run == w.records.row(id).record.run);  // the second claim's
    CHECK(end.summary.store_errors == 2);
    CHECK(opened == 2);
    CHECK_FALSE(store);
  }
}

TEST_CASE("release_windows frees each window without counting an attempt",
          "[tasks][runner][threads]") {
  Worker w;
  for (int i = 0; i < 3; ++i) w.add(i);
  const std::vector<store::ClaimLimit> limits{{w.p.runtime->id, 3, 1}};
  std::vector<store::Record> held;
  for (int i = 0; i < 3; ++i) held.push_back(**w.records.claim(limits));
  SECTION("one refused, one taken over: the third is released") {
    w.records.refuse_write([&](const store::Record& r, const auto&) {
      return r.id == held[0].id ? std::optional(Error::permanent("refused")) : std::nullopt;
    });
    w.records.take_over(held[1].id);
    const auto released = tasks::release_windows(w.records, held, "released on drain");
    REQUIRE(released);
    CHECK(*released == 1);
    CHECK(w.records.row(held[0].id).record.status == Status::in_progress);
    const auto row = w.records.row(held[2].id);
    CHECK(row.record.status == Status::pending);
    CHECK(row.record.retry_attempt == 0);
    CHECK(row.error_message == "released on drain");
    CHECK(row.next_attempt_at == w.records.now());  // claimable at once
  }
  SECTION("a lost connection stops at once") {
    w.records.script().fail("write_task", 1, kConnectionLost);
    const auto released = tasks::release_windows(w.records, held, "released on drain");
    REQUIRE_FALSE(released);
    CHECK(released.error().connection_lost);
    for (const auto& r : held) CHECK(w.records.row(r.id).record.status == Status::in_progress);
  }
}
