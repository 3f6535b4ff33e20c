// The orphan release on a real PostgreSQL: a window this holder claimed that none of its
// workers holds and whose lease was not renewed for 3 heartbeat intervals goes back to
// PENDING through the fenced release, with its event; a held window, a young one, one left to
// the stale-lock cleanup and another holder's stay IN_PROGRESS.
#include <catch2/catch.hpp>

#include "framework/store/records.hpp"
#include "tasks/lease_keeper.hpp"
#include "tasks/scheduling.hpp"
#include "tests/support/chain_fixture.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

constexpr const char* kHolder = "host-a:1";

std::string status_of(const test::ChainFixture& f, const store::Record& r) {
  auto c = f.db().connect();
  return test::run_sql(*c, "SELECT pipeline_status FROM pipeline_records WHERE id = " +
                               std::to_string(r.id.value))[0][0]
      .c_str();
}

}  // namespace

TEST_CASE("the orphan release frees this holder's unheld, unrenewed claims only",
          "[integration][scheduling][orphans]") {
  test::ChainFixture f;
  auto p = f.pipeline(6);
  p->max_active_windows = 6;
  tasks::Runner runner(f.runner_options(1), {p});
  REQUIRE(*runner.generate(test::kNow) == 6);
  auto connection = f.db().connect();
  store::Records records(*connection, kHolder);
  std::vector<store::Record> claimed;
  for (int i = 0; i < 6; ++i) {
    auto r = records.claim(std::vector<store::ClaimLimit>{{p->id, 6, 1}});
    REQUIRE(r);
    REQUIRE(*r);
    claimed.push_back(**r);
  }
  const auto& held = claimed[0];
  const auto& left = claimed[1];
  const auto& young = claimed[2];
  const auto& other = claimed[3];
  const auto& orphan = claimed[4];
  const auto& never_renewed = claimed[5];
  // An hour's interval: nothing is renewed during the test, so only the held set keeps the
  // held window. Orphans are 3 h without a renewal, by the database clock.
  tasks::LeaseKeeper keeper(f.db().url(), kHolder, 1h);
  keeper.hold(held);
  keeper.hold(left);
  keeper.leave(left);
  f.exec("UPDATE pipeline_records SET heartbeat_at = now() - interval '3 hours 1 minute'");
  f.exec(
      "UPDATE pipeline_records SET heartbeat_at = now() - interval '2 hours 59 minutes' "
      "WHERE id = " +
      std::to_string(young.id.value));
  f.exec("UPDATE pipeline_records SET locked_by = 'host-b:2' WHERE id = " +
         std::to_string(other.id.value));
  // A lease never renewed is judged from the claim.
  f.exec(
      "UPDATE pipeline_records SET heartbeat_at = NULL, pipeline_locked_at = now() - "
      "interval '4 hours' WHERE id = " +
      std::to_string(never_renewed.id.value));

  const auto released = tasks::release_orphans(records, keeper);
  REQUIRE(released);
  CHECK(*released == 2);
  for (const auto* kept : {&held, &left, &young, &other})
    CHECK(status_of(f, *kept) == "IN_PROGRESS");
  for (const auto* freed : {&orphan, &never_renewed}) {
    CHECK(status_of(f, *freed) == "PENDING");
    const auto id = std::to_string(freed->id.value);
    // No attempt counted, claimable at once, the reason kept.
    CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE id = " + id +
                  " AND retry_attempt = 0 AND next_attempt_at <= now() AND error_message = "
                  "'released: orphaned claim of this daemon'") == 1);
    // The release's event, fenced by the run ID it released.
    CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE record_id = " + id +
                  " AND dag_run_id = '" + freed->run.value +
                  "' AND task = 'store_validate' AND from_status = 'IN_PROGRESS' AND to_status = "
                  "'PENDING' AND outcome = 'RELEASED' AND host = 'host-a:1' AND message = "
                  "'released: orphaned claim of this daemon'") == 1);
  }
  // The next round finds nothing more: the young window is not old enough yet.
  CHECK(*tasks::release_orphans(records, keeper) == 0);
  keeper.release(held);
}
