// The lease keeper against a real PostgreSQL: a heartbeat that finds the record no longer
// IN_PROGRESS raises `lost` only when the lock was taken, not when the window's own chain has
// just written its end (the heartbeat raced the final fenced write, and the keeper logged a
// false "lock lost" after SUCCESS).
#include <catch2/catch.hpp>

#include <thread>

#include "framework/store/records.hpp"
#include "tasks/chain.hpp"
#include "tasks/lease_keeper.hpp"
#include "tests/support/chain_fixture.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

using test::kNow;

// The real stage, whose remove() takes `delay` first: the time between the chain's SUCCESS
// write and the worker's release, stretched so that heartbeats fall in it.
class SlowRemoveStage final : public adapters::Stage {
 public:
  SlowRemoveStage(std::shared_ptr<adapters::Stage> inner, std::chrono::milliseconds delay)
      : inner_(std::move(inner)), delay_(delay) {}
  Result<std::unique_ptr<adapters::StageWriter>> open_writer(
      const adapters::WindowContext& ctx) override {
    return inner_->open_writer(ctx);
  }
  Result<std::optional<adapters::Manifest>> find(const adapters::WindowContext& ctx) override {
    return inner_->find(ctx);
  }
  Result<std::unique_ptr<adapters::StageReader>> open_reader(
      const adapters::WindowContext& ctx) override {
    return inner_->open_reader(ctx);
  }
  Result<void> remove(const adapters::WindowContext& ctx) override {
    std::this_thread::sleep_for(delay_);
    return inner_->remove(ctx);
  }
  Result<void> for_each_window(const PipelineId& pipeline,
                               const std::function<Result<void>(Instant)>& visit) override {
    return inner_->for_each_window(pipeline, visit);
  }

 private:
  std::shared_ptr<adapters::Stage> inner_;
  std::chrono::milliseconds delay_;
};

struct Claimed {
  std::unique_ptr<store::Connection> connection;
  std::unique_ptr<store::Records> records;
  store::Record record;
};

Claimed claim_one(const test::ChainFixture& f, const std::shared_ptr<tasks::PipelineRuntime>& p) {
  tasks::Runner runner(f.runner_options(1), {p});
  REQUIRE(runner.generate(kNow));
  Claimed c;
  c.connection = f.db().connect();
  c.records = std::make_unique<store::Records>(*c.connection, "host-a:1");
  auto claimed = c.records->claim(std::vector<store::ClaimLimit>{{p->id, 1, 1}});
  REQUIRE(claimed);
  REQUIRE(*claimed);
  c.record = **claimed;
  return c;
}

}  // namespace

TEST_CASE("a heartbeat that meets the chain's own final write is no lost lock",
          "[integration][lease][threads]") {
  test::ChainFixture f;
  f.seed_source(1, 10);
  auto p = f.pipeline(1);
  p->stage = std::make_shared<SlowRemoveStage>(p->stage, 400ms);
  auto c = claim_one(f, p);
  tasks::LeaseKeeper keeper(f.db().url(), "host-a:1", 20ms);
  auto lease = keeper.hold(c.record);
  tasks::Chain chain(*c.records, {[] { return kNow; }, [] { return 0.5; }});
  const auto outcome = chain.run(c.record, *p, *lease);
  keeper.release(c.record);
  CHECK(outcome.end == tasks::ChainEnd::success);
  CHECK(lease->ending);
  // About twenty heartbeats fell after SUCCESS was written and before the release.
  CHECK_FALSE(lease->lost);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS'") == 1);
}

TEST_CASE("a heartbeat that finds the lock taken over raises lost",
          "[integration][lease][threads]") {
  test::ChainFixture f;
  f.seed_source(1, 10);
  auto p = f.pipeline(1);
  auto c = claim_one(f, p);
  tasks::LeaseKeeper keeper(f.db().url(), "host-a:1", 20ms);
  auto lease = keeper.hold(c.record);
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(lease->lost);  // renewed meanwhile
  f.exec("UPDATE pipeline_records SET dag_run_id = 'manual__taken_over'");
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!lease->lost && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  CHECK(lease->lost);
  keeper.release(c.record);
}
