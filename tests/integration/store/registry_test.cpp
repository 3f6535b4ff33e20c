// The pipelines registry (framework/store/registry.*) on a real PostgreSQL: what a load
// writes, what it leaves alone (an operator's pause), and the stuck_windows view judging each
// pipeline's leases by its registered threshold.
#include <catch2/catch.hpp>

#include "framework/store/registry.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using std::chrono::minutes;

TEST_CASE("a load registers every pipeline, keeps a pause, and stuck_windows uses the threshold",
          "[integration][store][registry]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  const std::vector<store::PipelineRegistration> first{
      {"orders", "00000000000000aa", minutes(5)}, {"billing", "00000000000000bb", minutes(90)}};
  REQUIRE(store::register_pipelines(*c, first, "host-a:1") == 2);
  const auto rows =
      test::run_sql(*c,
                    "SELECT pipeline_id, config_hash, extract(epoch FROM stale_threshold)::bigint, "
                    "registered_by, registered_at IS NOT NULL, paused FROM pipelines ORDER BY 1");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][0].as<std::string>() == "billing");
  CHECK(rows[0][1].as<std::string>() == "00000000000000bb");
  CHECK(rows[0][2].as<std::int64_t>() == 5400);
  CHECK(rows[1][3].as<std::string>() == "host-a:1");
  CHECK(rows[1][4].as<bool>());
  CHECK_FALSE(rows[1][5].as<bool>());

  // An operator pauses one; another daemon loads a changed definition: the pause stays.
  test::run_sql(*c,
                "UPDATE pipelines SET paused = true, paused_by = 'ops', paused_at = now() "
                "WHERE pipeline_id = 'orders'");
  const std::vector<store::PipelineRegistration> changed{
      {"orders", "00000000000000cc", minutes(5)}};
  REQUIRE(store::register_pipelines(*c, changed, "host-b:2") == 1);
  const auto orders = test::run_sql(
      *c, "SELECT paused, config_hash, registered_by FROM pipelines WHERE pipeline_id = 'orders'");
  CHECK(orders[0][0].as<bool>());
  CHECK(orders[0][1].as<std::string>() == "00000000000000cc");
  CHECK(orders[0][2].as<std::string>() == "host-b:2");

  // Two running windows whose leases are 20 minutes old: stuck for orders (5m), not for
  // billing (90m).
  test::run_sql(*c, R"(
    INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
        time_interval, pipeline_status, dag_run_id, pipeline_locked_at, heartbeat_at)
    SELECT p, '2024-01-01', '2024-01-01', '2024-01-01T01:00Z', '1h', 'IN_PROGRESS', 'r-' || p,
           now() - interval '20 minutes', now() - interval '20 minutes'
      FROM unnest(ARRAY['orders', 'billing']) p)");
  const auto stuck = test::run_sql(*c, "SELECT pipeline_id FROM stuck_windows");
  REQUIRE(stuck.size() == 1);
  CHECK(stuck[0][0].as<std::string>() == "orders");

  // Nothing to register is no statement error.
  CHECK(store::register_pipelines(*c, {}, "host-a:1") == 0);
}
