// The lease keeper without a server, renewing through the fake store: a held window's
// lease is renewed, a lock taken over raises `lost`, the chain's own final write does not,
// a lost connection is reopened at the next round, and a window its worker left to the
// stale-lock cleanup is accounted for in that run only.
#include <catch2/catch.hpp>

#include <thread>

#include "tasks/lease_keeper.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fakes/fake_pipeline.hpp"
#include "tests/support/fakes/fake_records.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

const Instant kNow = test::kFakeStart + std::chrono::hours(24 * 365);

struct Held {
  Held() {
    records.add(PipelineId{"orders"}, test::FakePipeline::window(0));
    record = **records.claim(std::vector<store::ClaimLimit>{{PipelineId{"orders"}, 1, 1}});
  }
  int heartbeats() { return records.script().calls("heartbeat"); }

  test::FakeRecords records{kNow};
  store::Record record;
  int opened = 0;
  tasks::LeaseKeeper keeper{[this] {
                              ++opened;
                              return records.connect();
                            },
                            5ms};
};

}  // namespace

TEST_CASE("the keeper renews a held window's lease", "[tasks][lease][threads]") {
  Held h;
  auto lease = h.keeper.hold(h.record);
  h.records.advance(100s);
  CHECK(
      test::poll_until([&] { return h.records.row(h.record.id).heartbeat_at == h.records.now(); }));
  CHECK_FALSE(lease->lost);
  h.keeper.release(h.record);
  CHECK(h.keeper.running() == 0);
}

TEST_CASE("a heartbeat on the fake store that finds the lock taken over raises lost",
          "[tasks][lease][threads]") {
  Held h;
  auto lease = h.keeper.hold(h.record);
  h.records.take_over(h.record.id);
  CHECK(test::poll_until([&] { return lease->lost.load(); }));
}

TEST_CASE("a heartbeat on the fake store that meets the chain's own final write is no lost lock",
          "[tasks][lease][threads]") {
  Held h;
  auto lease = h.keeper.hold(h.record);
  lease->ending = true;  // the chain wrote SUCCESS; the worker has not released it yet
  store::TaskWrite w;
  w.task = store::Task::audit;
  w.move = store::Move::succeed;
  REQUIRE(*h.records.write_task(h.record, w));
  const int before = h.heartbeats();
  CHECK(test::poll_until([&] { return h.heartbeats() >= before + 3; }));
  CHECK_FALSE(lease->lost);
}

TEST_CASE("a lost connection is reopened at the next round, the lease kept",
          "[tasks][lease][threads]") {
  Held h;
  h.records.script().fail("heartbeat", 1,
                          Error{ErrorKind::retryable, "server closed the connection", true});
  auto lease = h.keeper.hold(h.record);
  h.records.advance(10s);
  CHECK(
      test::poll_until([&] { return h.records.row(h.record.id).heartbeat_at == h.records.now(); }));
  CHECK(h.opened == 2);
  CHECK_FALSE(lease->lost);
}

TEST_CASE("a refused renewal is neither a lost lock nor a lost connection",
          "[tasks][lease][threads]") {
  Held h;
  h.records.script().fail("heartbeat", 1, Error::retryable("lock timeout"));
  auto lease = h.keeper.hold(h.record);
  h.records.advance(10s);
  CHECK(
      test::poll_until([&] { return h.records.row(h.record.id).heartbeat_at == h.records.now(); }));
  CHECK(h.heartbeats() >= 2);
  CHECK(h.opened == 1);  // the store was kept
  CHECK_FALSE(lease->lost);
}

TEST_CASE("abandon_all raises lost on every held window and hands them back",
          "[tasks][lease][threads]") {
  Held h;
  auto lease = h.keeper.hold(h.record);
  const auto abandoned = h.keeper.abandon_all();
  REQUIRE(abandoned.size() == 1);
  CHECK(abandoned[0].id == h.record.id);
  CHECK(lease->lost);
  CHECK(h.keeper.running() == 0);
}

TEST_CASE("the keeper stops renewing a window still in its task past its deadline and grace",
          "[tasks][lease][timeout][threads]") {
  test::FakeRecords records{kNow};
  records.add(PipelineId{"orders"}, test::FakePipeline::window(0));
  records.add(PipelineId{"orders"}, test::FakePipeline::window(1));
  const std::vector<store::ClaimLimit> limits{{PipelineId{"orders"}, 2, 1}};
  const auto stuck = **records.claim(limits);
  const auto running = **records.claim(limits);
  tasks::LeaseKeeper keeper{[&] { return records.connect(); }, 5ms, 100ms};
  auto stuck_lease = keeper.hold(stuck);
  auto running_lease = keeper.hold(running);
  stuck_lease->deadline.set(Deadline::Clock::now() + 100ms);
  running_lease->deadline.set(Deadline::Clock::now() + 1h);
  // Whether a heartbeat comes within 300 ms (60 rounds of the keeper).
  const auto renewed = [&](const store::Record& r) {
    records.advance(1s);
    const auto now = records.now();
    const auto until = std::chrono::steady_clock::now() + 300ms;
    while (std::chrono::steady_clock::now() < until) {
      if (records.row(r.id).heartbeat_at == now) return true;
      std::this_thread::sleep_for(2ms);
    }
    return false;
  };
  CHECK(renewed(stuck));  // before its deadline, and within the grace after it
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(renewed(stuck));
  CHECK(renewed(running));  // the others are still renewed
  CHECK_FALSE(stuck_lease->lost);
}

TEST_CASE("a left window is accounted for in its own run only",
          "[tasks][lease][orphans][threads]") {
  Held h;
  const auto& first = h.record;
  auto& keeper = h.keeper;
  keeper.hold(first);
  keeper.leave(first);
  CHECK(keeper.running() == 0);
  CHECK(keeper.accounts_for(first));
  auto again = first;
  again.run = RunId{"scheduled__later"};  // the stale-lock cleanup freed it, this daemon claimed it
  CHECK_FALSE(keeper.accounts_for(again));
  keeper.hold(again);
  keeper.release(again);
  CHECK_FALSE(keeper.accounts_for(first));  // held again, the left entry went
}
