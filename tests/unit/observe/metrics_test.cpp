// The metrics' exposition (framework/observe/metrics.*): names, labels and units as
// Prometheus expects them, and per-pipeline series that go when their pipeline goes.
#include <catch2/catch.hpp>

#include "framework/observe/metrics.hpp"

using namespace sluice;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

}  // namespace

TEST_CASE("what the product records shows in the exposition", "[observe][metrics]") {
  observe::Metrics m;
  m.window_finished("orders", "SUCCESS", 12.5);
  m.window_finished("orders", "SUCCESS", 0.5);
  m.task_finished("audit", 0.25);
  m.rows_moved("orders", "source_to_stage", 120);
  m.rows_moved("orders", "stage_to_target", 120);
  m.rows_moved("orders", "stage_to_target", 0);  // nothing moved: no series change
  m.retried("orders");
  m.lease_lost("orders");
  m.stale_locks_freed(2);
  m.database_reconnected();
  m.database_up(false);
  m.http_answered("/api/v1/records", 200, 0.004);
  const std::string text = m.exposition();
  INFO(text);
  CHECK(has_line(text, R"(sluice_windows_finished_total{pipeline="orders",status="SUCCESS"} 2)"));
  CHECK(has_line(text, R"(sluice_window_duration_seconds_count{pipeline="orders"} 2)"));
  CHECK(has_line(text, R"(sluice_window_duration_seconds_sum{pipeline="orders"} 13)"));
  CHECK(has_line(text, R"(sluice_window_duration_seconds_bucket{pipeline="orders",le="1"} 1)"));
  CHECK(has_line(text, R"(sluice_task_duration_seconds_count{task="audit"} 1)"));
  CHECK(has_line(text, R"(sluice_rows_total{direction="stage_to_target",pipeline="orders"} 120)"));
  CHECK(has_line(text, R"(sluice_retries_total{pipeline="orders"} 1)"));
  CHECK(has_line(text, R"(sluice_leases_lost_total{pipeline="orders"} 1)"));
  CHECK(has_line(text, R"(sluice_stale_locks_freed_total 2)"));
  CHECK(has_line(text, R"(sluice_database_reconnects_total 1)"));
  CHECK(has_line(text, R"(sluice_database_up 0)"));
  CHECK(has_line(text, R"(sluice_http_requests_total{code="200",route="/api/v1/records"} 1)"));
  CHECK(has_line(text, "# TYPE sluice_http_request_duration_seconds histogram"));
  CHECK(has_line(text, "# TYPE process_cpu_seconds_total counter"));
  CHECK(text.find("process_resident_memory_bytes ") != std::string::npos);
  CHECK(text.find("process_open_fds ") != std::string::npos);
  CHECK(text.find("sluice_build_info{version=\"" SLUICE_VERSION "\"} 1") != std::string::npos);
}

TEST_CASE("per-pipeline gauges follow the latest snapshot", "[observe][metrics]") {
  observe::Metrics m;
  m.set_pipelines({{.pipeline = "orders",
                    .windows = {{"FAILED", 3}, {"SUCCESS", 10}},
                    .last_success_end = Instant{Seconds{1'699'990'000}},
                    .lateness = Seconds{600},
                    .sla = Seconds{3600}},
                   {.pipeline = "billing", .windows = {{"PENDING", 1}}}});
  m.set_backfills({{.pipeline = "orders", .request = 7, .windows_total = 48, .windows_done = 12}});
  auto text = m.exposition();
  INFO(text);
  CHECK(has_line(text, R"(sluice_windows{pipeline="orders",status="FAILED"} 3)"));
  CHECK(has_line(text, R"(sluice_lateness_seconds{pipeline="orders"} 600)"));
  CHECK(has_line(text, R"(sluice_pipeline_sla_seconds{pipeline="orders"} 3600)"));
  CHECK(has_line(
      text, R"(sluice_last_success_window_end_timestamp_seconds{pipeline="orders"} 1699990000)"));
  CHECK(has_line(text, R"(sluice_windows{pipeline="billing",status="PENDING"} 1)"));
  CHECK(
      has_line(text, R"(sluice_backfill_windows{pipeline="orders",request="7",state="done"} 12)"));
  // Rendered once per snapshot, with their help and type, each family once.
  CHECK(has_line(text, "# TYPE sluice_windows gauge"));
  CHECK(text.find("# TYPE sluice_windows gauge") == text.rfind("# TYPE sluice_windows gauge"));
  CHECK(has_line(text, "# TYPE sluice_pipeline_sla_seconds gauge"));
  CHECK(m.exposition().find(R"(sluice_windows{pipeline="orders",status="FAILED"} 3)") !=
        std::string::npos);

  // billing removed from the config, orders' backfill done: their series go.
  m.set_pipelines({{.pipeline = "orders", .windows = {{"FAILED", 0}, {"SUCCESS", 13}}}});
  m.set_backfills({});
  text = m.exposition();
  CHECK(has_line(text, R"(sluice_windows{pipeline="orders",status="SUCCESS"} 13)"));
  CHECK(text.find("billing") == std::string::npos);
  CHECK(text.find("sluice_backfill_windows{") == std::string::npos);
  CHECK(text.find("sluice_lateness_seconds{") == std::string::npos);
}

TEST_CASE("each pool's size, slots used and waiting windows, and a pool gone is dropped",
          "[observe][metrics]") {
  observe::Metrics m;
  m.set_pools({{.pool = "warehouse", .size = 4, .slots_used = 3, .waiting = 17},
               {.pool = "api", .size = 1, .slots_used = 0, .waiting = 0}});
  auto text = m.exposition();
  INFO(text);
  CHECK(has_line(text, "# TYPE sluice_pool_slots gauge"));
  CHECK(has_line(text, R"(sluice_pool_slots{pool="warehouse"} 4)"));
  CHECK(has_line(text, R"(sluice_pool_slots_used{pool="warehouse"} 3)"));
  CHECK(has_line(text, R"(sluice_pool_waiting_windows{pool="warehouse"} 17)"));
  CHECK(has_line(text, R"(sluice_pool_slots{pool="api"} 1)"));
  CHECK(has_line(text, R"(sluice_pool_slots_used{pool="api"} 0)"));

  // `api` taken out of the daemon file: its series go, warehouse's follow the new figures.
  m.set_pools({{.pool = "warehouse", .size = 6, .slots_used = 1, .waiting = 0}});
  text = m.exposition();
  CHECK(has_line(text, R"(sluice_pool_slots{pool="warehouse"} 6)"));
  CHECK(has_line(text, R"(sluice_pool_waiting_windows{pool="warehouse"} 0)"));
  CHECK(text.find("pool=\"api\"") == std::string::npos);
}
