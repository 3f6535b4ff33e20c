// `depends_on` in the claim (sql/migrations/0012_dependencies.sql) on a real PostgreSQL: a
// child window is claimed only when its upstream windows allow it, judged on UTC instants
// across zones and DST days; what it waits on reads back in words; the frontier follows
// reruns.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "framework/store/dependencies.hpp"
#include "framework/store/records.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using std::chrono::hours;

namespace {

// Hourly windows of `pipeline` from `from` for `count` hours, all with `status`.
void hours_of(store::Connection& c, const std::string& pipeline, const std::string& from, int count,
              const std::string& status) {
  test::run_sql(c, fmt::format(R"(
    INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
        time_interval, pipeline_status)
    SELECT '{0}', '2024-01-01', t, t + interval '1 hour', '1h', '{3}'
      FROM generate_series('{1}'::timestamptz, '{1}'::timestamptz + ({2} - 1) * interval '1 hour',
                           interval '1 hour') AS t)",
                               pipeline, from, count, status));
}

void window_of(store::Connection& c, const std::string& pipeline, const std::string& start,
               const std::string& end, const std::string& status = "PENDING") {
  test::run_sql(
      c, fmt::format("INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, "
                     "window_end_time, time_interval, pipeline_status) VALUES ('{}', "
                     "'2024-01-01', '{}', '{}', '1d', '{}')",
                     pipeline, start, end, status));
}

void set_status(store::Connection& c, const std::string& pipeline, const std::string& where,
                const std::string& status) {
  test::run_sql(c, fmt::format("UPDATE pipeline_records SET pipeline_status = '{}' WHERE "
                               "pipeline_id = '{}' AND {}",
                               status, pipeline, where));
}

std::optional<std::string> claimed(store::Connection& c, const std::string& pipeline) {
  store::Records records(c, "test:1");
  const std::vector<store::ClaimLimit> limits{{PipelineId{pipeline}, 10, 10}};
  auto r = records.claim(limits);
  REQUIRE(r);
  if (!*r) return std::nullopt;
  return format_utc((*r)->window.start);
}

std::string waiting(store::Connection& c, const std::string& pipeline, const std::string& start,
                    const std::string& end) {
  const auto rows =
      test::run_sql(c, fmt::format("SELECT coalesce(sluice_waiting_on('{}', '{}', '{}'), 'ready')",
                                   pipeline, start, end));
  return rows[0][0].as<std::string>();
}

}  // namespace

TEST_CASE("a Zurich day waits for every UTC hour it overlaps, on the 23- and 25-hour days",
          "[integration][store][dependencies]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  const std::vector<std::string> ids{"src_orders", "orders_fct_daily"};
  const std::vector<store::DependencyEdge> edges{
      {"orders_fct_daily", "src_orders", "windows", hours(3)}};
  REQUIRE(store::register_dependencies(*c, ids, edges));

  // 2024-03-31 in Zurich: 23 hours from 2024-03-30T23:00Z. 2024-10-27: 25 hours from
  // 2024-10-26T22:00Z.
  const std::string spring_start = "2024-03-30T23:00:00Z", spring_end = "2024-03-31T22:00:00Z";
  const std::string fall_start = "2024-10-26T22:00:00Z", fall_end = "2024-10-27T23:00:00Z";
  window_of(*c, "orders_fct_daily", spring_start, spring_end);
  window_of(*c, "orders_fct_daily", fall_start, fall_end);
  hours_of(*c, "src_orders", "2024-03-30T22:00Z", 26, "PENDING");  // one before, two after
  hours_of(*c, "src_orders", "2024-10-26T22:00Z", 25, "SUCCESS");
  set_status(*c, "src_orders", "window_start_time = '2024-10-27T12:00Z'", "FAILED");

  CHECK_FALSE(claimed(*c, "orders_fct_daily"));
  CHECK(waiting(*c, "orders_fct_daily", spring_start, spring_end) ==
        "waiting on src_orders [2024-03-30T23:00:00Z, 2024-03-31T00:00:00Z) PENDING");
  CHECK(waiting(*c, "orders_fct_daily", fall_start, fall_end) ==
        "waiting on src_orders [2024-10-27T12:00:00Z, 2024-10-27T13:00:00Z) FAILED");

  // 22 of the 23 spring hours done: still waiting, on the last one.
  set_status(*c, "src_orders",
             "window_start_time >= '2024-03-30T23:00Z' AND window_start_time < "
             "'2024-03-31T21:00Z'",
             "SUCCESS");
  CHECK_FALSE(claimed(*c, "orders_fct_daily"));
  CHECK(waiting(*c, "orders_fct_daily", spring_start, spring_end) ==
        "waiting on src_orders [2024-03-31T21:00:00Z, 2024-03-31T22:00:00Z) PENDING");
  // A missing hour is waited on as one.
  test::run_sql(*c,
                "DELETE FROM pipeline_records WHERE pipeline_id = 'src_orders' AND "
                "window_start_time = '2024-03-31T05:00Z'");
  set_status(*c, "src_orders", "window_start_time = '2024-03-31T21:00Z'", "SKIPPED");
  CHECK_FALSE(claimed(*c, "orders_fct_daily"));
  CHECK(waiting(*c, "orders_fct_daily", spring_start, spring_end) ==
        "waiting on src_orders [2024-03-31T05:00:00Z, 2024-03-31T06:00:00Z): no window yet");
  hours_of(*c, "src_orders", "2024-03-31T05:00Z", 1, "SUCCESS");
  // The hour after the day is still PENDING: it does not overlap, so it holds nothing.
  CHECK(waiting(*c, "orders_fct_daily", spring_start, spring_end) == "ready");
  CHECK(claimed(*c, "orders_fct_daily") == "2024-03-30T23:00:00Z");
  // The fall day waits for its FAILED hour until it is loaded.
  CHECK_FALSE(claimed(*c, "orders_fct_daily"));
  set_status(*c, "src_orders", "window_start_time = '2024-10-27T12:00Z'", "SUCCESS");
  CHECK(claimed(*c, "orders_fct_daily") == "2024-10-26T22:00:00Z");
}

TEST_CASE("a blocked window does not hold back a later one that is ready",
          "[integration][store][dependencies]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  const std::vector<std::string> ids{"clean", "raw"};
  const std::vector<store::DependencyEdge> edges{{"clean", "raw", "windows", hours(3)}};
  REQUIRE(store::register_dependencies(*c, ids, edges));
  hours_of(*c, "raw", "2024-01-01T00:00Z", 3, "SUCCESS");
  set_status(*c, "raw", "window_start_time = '2024-01-01T01:00Z'", "FAILED");
  hours_of(*c, "clean", "2024-01-01T00:00Z", 4, "PENDING");
  CHECK(claimed(*c, "clean") == "2024-01-01T00:00:00Z");
  CHECK(claimed(*c, "clean") == "2024-01-01T02:00:00Z");  // hour 1 waits on a FAILED hour
  CHECK_FALSE(claimed(*c, "clean"));                      // hour 3: raw has no window yet
  CHECK(waiting(*c, "clean", "2024-01-01T03:00Z", "2024-01-01T04:00Z") ==
        "waiting on raw [2024-01-01T03:00:00Z, 2024-01-01T04:00:00Z): no window yet");
  // A pipeline without upstreams is not held by anything.
  hours_of(*c, "raw", "2024-01-01T03:00Z", 1, "PENDING");
  CHECK(claimed(*c, "raw") == "2024-01-01T03:00:00Z");
}

TEST_CASE("latest: the upstream's newest success must reach the window's end, reruns included",
          "[integration][store][dependencies]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  window_of(*c, "customers", "2024-03-09T00:00Z", "2024-03-10T00:00Z", "SUCCESS");
  const std::vector<std::string> ids{"report", "customers"};
  const std::vector<store::DependencyEdge> edges{{"report", "customers", "latest", hours(26)}};
  // Registered after the history exists: the frontier is read from it.
  REQUIRE(store::register_dependencies(*c, ids, edges));
  window_of(*c, "report", "2024-03-10T00:00Z", "2024-03-11T00:00Z");
  window_of(*c, "report", "2024-03-11T00:00Z", "2024-03-12T00:00Z");
  CHECK_FALSE(claimed(*c, "report"));
  CHECK(waiting(*c, "report", "2024-03-10T00:00Z", "2024-03-11T00:00Z") ==
        "waiting on customers (latest): its newest successful window ends 2024-03-10T00:00:00Z");
  window_of(*c, "customers", "2024-03-10T00:00Z", "2024-03-11T00:00Z", "SUCCESS");
  CHECK(claimed(*c, "report") == "2024-03-10T00:00:00Z");
  CHECK_FALSE(claimed(*c, "report"));
  // The newest customers window is rerun: the frontier steps back with it.
  set_status(*c, "customers", "window_start_time = '2024-03-10T00:00Z'", "PENDING");
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipelines WHERE pipeline_id = 'customers' AND "
                    "newest_done_end = '2024-03-10T00:00Z'") == 1);
  window_of(*c, "customers", "2024-03-11T00:00Z", "2024-03-12T00:00Z", "SKIPPED");
  CHECK(claimed(*c, "report") == "2024-03-11T00:00:00Z");
  // Its history gone entirely: nothing to wait for ever arrives until a window succeeds.
  test::run_sql(*c, "DELETE FROM pipeline_records WHERE pipeline_id = 'customers'");
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipelines WHERE pipeline_id = 'customers' AND "
                    "newest_done_end IS NULL") == 1);
  CHECK(waiting(*c, "report", "2024-03-12T00:00Z", "2024-03-13T00:00Z") ==
        "waiting on customers (latest): no successful window yet");
}

TEST_CASE("registering replaces a pipeline's edges", "[integration][store][dependencies]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  const std::vector<std::string> ids{"a", "b", "c"};
  std::vector<store::DependencyEdge> edges{{"c", "a", "windows", hours(3)},
                                           {"c", "b", "latest", hours(26)}};
  REQUIRE(store::register_dependencies(*c, ids, edges));
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_dependencies") == 2);
  CHECK(test::count(*c, "SELECT count(*) FROM pipelines") == 3);
  edges.pop_back();
  REQUIRE(store::register_dependencies(*c, ids, edges));
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_dependencies WHERE upstream_id = 'b'") == 0);
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_dependencies WHERE upstream_id = 'a'") == 1);
}

namespace {

struct Heard : pqxx::notification_receiver {
  using pqxx::notification_receiver::notification_receiver;
  std::vector<std::string> payloads;
  void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
};

}  // namespace

TEST_CASE("a finished upstream window wakes the daemons for its children",
          "[integration][store][dependencies]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  auto listener = db.connect();
  const std::vector<std::string> ids{"raw", "clean", "other"};
  const std::vector<store::DependencyEdge> edges{{"clean", "raw", "windows", hours(3)}};
  REQUIRE(store::register_dependencies(*c, ids, edges));
  hours_of(*c, "raw", "2024-01-01T00:00Z", 2, "PENDING");
  hours_of(*c, "other", "2024-01-01T00:00Z", 1, "PENDING");
  Heard heard(*listener, "sluice_records");
  set_status(*c, "other", "true", "SUCCESS");  // nobody depends on it
  set_status(*c, "raw", "window_start_time = '2024-01-01T00:00Z'", "FAILED");
  listener->await_notification(0, 200'000);
  CHECK(heard.payloads.empty());
  set_status(*c, "raw", "window_start_time = '2024-01-01T01:00Z'", "SUCCESS");
  for (int i = 0; i < 20 && heard.payloads.empty(); ++i) listener->await_notification(0, 100'000);
  CHECK(heard.payloads == std::vector<std::string>{"clean"});
}
