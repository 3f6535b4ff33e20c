// A worker claims under the pipelines its owner loaded last (tasks/claimable.hpp): the claim
// limits are made once per load, not per claim, so a reload must reach the next claim, on a
// real PostgreSQL where the claim sends only the limits' fingerprint and the database holds
// the set it stored (sql/migrations/0017_claim_windows.sql).
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "framework/store/records.hpp"
#include "tasks/lease_keeper.hpp"
#include "tasks/runner.hpp"
#include "tests/support/chain_fixture.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

// Hourly windows of `orders` from hour `from`, `count` of them, PENDING.
void add_hours(const test::ChainFixture& f, int from, int count) {
  f.exec(fmt::format(R"(
    INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
        time_interval, business_fields)
    SELECT 'orders', t::date, t, t + interval '1 hour', '1h',
           jsonb_build_object('path', 'orders/' || to_char(t AT TIME ZONE 'UTC', 'YYYY/MM/DD/HH24'))
      FROM generate_series('2024-01-01T00:00Z'::timestamptz + {} * interval '1 hour',
                           '2024-01-01T00:00Z'::timestamptz + {} * interval '1 hour',
                           interval '1 hour') AS t)",
                     from, from + count - 1));
}

}  // namespace

TEST_CASE("a reload that raises a pipeline's max_active_windows is seen by the next claim",
          "[integration][tasks][claim][threads]") {
  test::ChainFixture f;
  const auto loaded = f.pipeline(3);
  loaded->max_active_windows = 1;
  add_hours(f, 0, 3);
  // Another daemon runs the oldest window: orders' one live slot is taken.
  auto other_connection = f.db().connect();
  store::Records other(*other_connection, "other:1");
  const auto taken = other.claim(std::vector<store::ClaimLimit>{{loaded->id, 1, 1}});
  REQUIRE(taken);
  REQUIRE(*taken);

  auto c = f.db().connect();
  store::Records records(*c, "worker:1");
  tasks::LeaseKeeper leases(f.db().url(), "worker:1", 1s);
  std::shared_ptr<const tasks::ClaimablePipelines> current = tasks::claimable({loaded});
  const tasks::WorkerSource source{[&] { return current; }, [] { return true; }};
  auto end = tasks::claim_and_run(records, leases, source);
  CHECK(end.summary.finished() == 0);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING'") == 2);

  // The reload: the same pipeline, three live windows at once.
  auto raised = std::make_shared<tasks::PipelineRuntime>(*loaded);
  raised->max_active_windows = 3;
  current = tasks::claimable({raised});
  end = tasks::claim_and_run(records, leases, source);
  CHECK_FALSE(end.store_error);
  CHECK(end.summary.finished() == 2);  // the two empty windows, beside the other daemon's
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING'") == 0);
  CHECK(f.count("SELECT live_limit FROM claim_limits WHERE holder = 'worker:1'") == 3);
  CHECK(f.count(fmt::format("SELECT count(*) FROM claim_limit_sets WHERE holder = 'worker:1' AND "
                            "fingerprint = {}",
                            current->limits().fingerprint())) == 1);

  // And back: the lowered limit holds the next claim again.
  add_hours(f, 3, 2);
  current = tasks::claimable({loaded});
  end = tasks::claim_and_run(records, leases, source);
  CHECK(end.summary.finished() == 0);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING'") == 2);
  CHECK(f.count("SELECT live_limit FROM claim_limits WHERE holder = 'worker:1'") == 1);
}
