// A shared pool end to end: three pipelines in a pool of 2, run by two sluiced processes with
// 4 workers each. At no instant are more than 2 of their windows IN_PROGRESS, sampled every
// 50 ms and checked afterwards from pipeline_events (each run from its claim event to its
// end event); priorities order the claims; status, the API and the metrics show the pool.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/api_services.hpp"
#include "tests/support/ctl.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

constexpr const char* kOurs = "pipeline_id IN ('low', 'mid', 'high')";

// Each source query sleeps 0.15 s: a window (count, extract, audit) runs for about half a
// second, so windows of the three pipelines wait for the pool most of the time.
constexpr const char* kSetup = R"(
  CREATE TABLE src_data (id int, event_time timestamptz, note text);
  INSERT INTO src_data SELECT i, '2024-01-01'::timestamptz + i * interval '1 hour'
                                 + interval '30 minutes', 'row'
    FROM generate_series(0, 5) i;
  CREATE FUNCTION slow_gate(s float8) RETURNS boolean LANGUAGE plpgsql VOLATILE AS
    $$ BEGIN PERFORM pg_sleep(s); RETURN true; END $$;
  CREATE VIEW src AS SELECT id, event_time, note FROM src_data WHERE slow_gate(0.15);
  CREATE TABLE dst_low (LIKE src_data);
  CREATE TABLE dst_mid (LIKE src_data);
  CREATE TABLE dst_high (LIKE src_data);
  -- Paused until every window exists: then all three become claimable at once.
  INSERT INTO pipelines (pipeline_id, paused, paused_by, paused_at)
  VALUES ('low', true, 'test', now()), ('mid', true, 'test', now()),
         ('high', true, 'test', now());)";

// The most runs of `pipeline_events` open at one instant: each from its claim event to the
// first event of the same run that left IN_PROGRESS. An end and a start at the same instant
// count the end first (the slot was free when the claim read the pool).
constexpr const char* kMostOverlapping = R"(
  WITH runs AS (
    SELECT c.ended_at AS started,
           (SELECT min(e.ended_at) FROM pipeline_events e
             WHERE e.record_id = c.record_id AND e.dag_run_id = c.dag_run_id
               AND e.task <> 'claim' AND e.to_status <> 'IN_PROGRESS') AS ended
      FROM pipeline_events c
     WHERE c.task = 'claim' AND c.pipeline_id IN ('low', 'mid', 'high')),
  points AS (SELECT started AS t, 1 AS d FROM runs UNION ALL SELECT ended, -1 FROM runs)
  SELECT max(open) FROM (SELECT sum(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS open
                           FROM points) x)";

}  // namespace

TEST_CASE("three pipelines share a pool of 2 across two daemons, in priority order",
          "[e2e][daemon][pools]") {
  test::TestDatabase db;
  auto c = test::prepared(db, kSetup);
  test::TempDir dir;
  test::DaemonSettings settings;
  settings.workers = 4;
  settings.extra = "pools:\n  shared: 2\n  idle: 3\n";
  settings.http = std::string("  listen: 127.0.0.1:0\n  tokens:\n") +
                  "    - {name: dash, role: viewer, token: " + test::kViewerToken + "}\n";
  test::write_daemon_file(dir.path(), settings);
  const std::string start = "2024-01-01T00:00:00Z", end = "2024-01-01T06:00:00Z";
  test::write_pipeline(dir.path(), "low", "src", "dst_low", start, end,
                       "pool: shared\npriority: -5\n");
  test::write_pipeline(dir.path(), "mid", "src", "dst_mid", start, end, "pool: shared\n");
  test::write_pipeline(dir.path(), "high", "src", "dst_high", start, end,
                       "pool: shared\npriority: 10\n");
  const auto ctl = [&](const std::vector<std::string>& args) {
    std::vector<std::string> all{"-c", (dir.path() / "sluice.yaml").string()};
    all.insert(all.end(), args.begin(), args.end());
    return test::run_process(test::ctl_argv(all), {{"SLUICE_DATABASE_URL", db.url()}});
  };

  test::DaemonProcess first(dir.path(), db.url(), "first");
  test::DaemonProcess second(dir.path(), db.url(), "second");
  REQUIRE(test::eventually(
      [&] {
        return test::count(
                   *c, std::string("SELECT count(*) FROM pipeline_records WHERE ") + kOurs) == 18;
      },
      30s));

  std::atomic<bool> sampling{true};
  std::atomic<std::int64_t> most{0}, samples{0};
  std::thread sampler([&] {
    auto s = db.connect();
    while (sampling) {
      const auto running = test::count(
          *s, std::string("SELECT count(*) FROM pipeline_records WHERE pipeline_status = "
                          "'IN_PROGRESS' AND ") +
                  kOurs);
      most = std::max(most.load(), running);
      ++samples;
      std::this_thread::sleep_for(50ms);
    }
  });
  test::run_sql(*c, std::string("UPDATE pipelines SET paused = false, paused_by = NULL, "
                                "paused_at = NULL WHERE ") +
                        kOurs);

  // While they run: the pool is full and the others wait, as status and the API say.
  nlohmann::json seen;
  const bool busy = test::eventually(
      [&] {
        const auto r = ctl({"-o", "json", "status", "--pools"});
        if (r.exit_code != 0) return false;
        seen = nlohmann::json::parse(r.out);
        const auto& shared = seen["pools"][0];
        return shared["slots_in_use"] == 2 && shared["waiting"].get<int>() > 0;
      },
      30s);
  INFO(seen.dump());
  CHECK(busy);
  CHECK(seen["pools"][0]["pool"] == "shared");
  CHECK(seen["pools"][0]["size"] == 2);
  CHECK(seen["pools"][0]["pipelines"] == nlohmann::json{"high", "low", "mid"});
  CHECK(seen["pools"][1] == nlohmann::json{{"pool", "idle"},
                                           {"size", 3},
                                           {"slots_in_use", 0},
                                           {"running", 0},
                                           {"waiting", 0},
                                           {"pipelines", nlohmann::json::array()}});
  unsigned short port = 0;
  REQUIRE(test::eventually([&] { return (port = test::served_port(first.log())) != 0; }, 20s));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const auto api = test::http_request(base + "/api/v1/pools", {.token = test::kViewerToken});
  REQUIRE(api.status == 200);
  const auto listed = nlohmann::json::parse(api.body)["pools"];
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["size"] == 2);
  CHECK(listed[0]["slots_in_use"].get<int>() <= 2);

  const bool all_done = test::eventually(
      [&] {
        return test::count(*c, std::string("SELECT count(*) FROM pipeline_records WHERE "
                                           "pipeline_status = 'SUCCESS' AND ") +
                                   kOurs) == 18;
      },
      120s);
  sampling = false;
  sampler.join();
  INFO(first.log() << second.log());
  REQUIRE(all_done);

  // Never more than the pool's 2, and 2 at times: the limit was reached, not merely unneeded.
  CHECK(samples > 20);
  CHECK(most == 2);
  CHECK(test::count(*c, kMostOverlapping) == 2);
  // Both daemons took windows of the pool.
  CHECK(test::count(*c, std::string("SELECT count(DISTINCT host) FROM pipeline_events WHERE "
                                    "task = 'claim' AND ") +
                            kOurs) == 2);
  // One claim per window (no retry), and in priority order: high, then mid, then low.
  const auto order = test::run_sql(
      *c, std::string("SELECT pipeline_id FROM pipeline_events WHERE task = 'claim' AND ") + kOurs +
              " ORDER BY ended_at, id");
  std::vector<std::string> claimed;
  for (const auto& row : order) claimed.push_back(row[0].as<std::string>());
  std::vector<std::string> expected(6, "high");
  expected.insert(expected.end(), 6, "mid");
  expected.insert(expected.end(), 6, "low");
  CHECK(claimed == expected);

  // The pipelines' rows name their pool, and the metrics export its size and use.
  const auto status = ctl({"-o", "json", "status", "high"});
  REQUIRE(status.exit_code == 0);
  const auto high = nlohmann::json::parse(status.out)[0];
  CHECK(high["pool"] == nlohmann::json{{"name", "shared"}, {"slots", 1}});
  CHECK(high["priority"] == 10);
  const auto table = ctl({"status"});
  CHECK(table.out.find("POOL") != std::string::npos);
  CHECK(test::eventually(
      [&] {
        const auto text = test::http_request(base + "/metrics").body;
        return text.find("sluice_pool_slots{pool=\"shared\"} 2") != std::string::npos &&
               text.find("sluice_pool_slots_used{pool=\"shared\"} 0") != std::string::npos &&
               text.find("sluice_pool_waiting_windows{pool=\"shared\"} 0") != std::string::npos &&
               text.find("sluice_pool_slots{pool=\"idle\"} 3") != std::string::npos;
      },
      30s));
}
