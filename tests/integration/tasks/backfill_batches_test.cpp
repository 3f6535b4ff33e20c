// Backfill requests planned in batches against a real database: a range over
// scheduler.backfill_max_windows is refused with its count and makes no record, however it
// was raised; a large allowed one is planned a batch (one transaction) at a time, resumes
// where it stopped after a restart, and leaves room between batches for other work.
#include <catch2/catch.hpp>

#include "framework/store/backfill.hpp"
#include "tasks/backfill.hpp"
#include "tests/support/chain_fixture.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

const Instant kNow = test::kFixtureStart + std::chrono::hours(24 * 365 * 3);

Result<tasks::BackfillPass> process(const test::ChainFixture& f,
                                    std::shared_ptr<tasks::PipelineRuntime> p,
                                    tasks::BackfillOptions options) {
  auto c = f.db().connect();
  std::vector<std::shared_ptr<const tasks::PipelineRuntime>> ps{std::move(p)};
  return tasks::process_backfill_requests(*c, ps, kNow, options);
}

std::string request_field(const test::ChainFixture& f, const std::string& column) {
  auto c = f.db().connect();
  const auto r =
      test::run_sql(*c, "SELECT coalesce(" + column + "::text, '') FROM backfill_requests");
  REQUIRE(r.size() == 1);
  return r[0][0].as<std::string>();
}

}  // namespace

TEST_CASE("a request over backfill_max_windows raised by SQL ends FAILED naming its count",
          "[integration][backfill]") {
  struct Case {
    const char* name;
    const char* to;
    std::int64_t max_windows;
    const char* count;
  };
  for (const auto& c : {
           // 2024-01-01 .. 2024-02-01: 744 hourly windows against a limit of 700.
           Case{"just over a small limit", "2024-02-01T00:00Z", 700, "744 windows"},
           // Up to the end of the calendar against the default: counted, not enumerated.
           Case{"to 9999-12-31", "9999-12-31T00:00Z", tasks::kDefaultBackfillMaxWindows,
                "69916152 windows"},
           // 'infinity' is read as the end of year 9999 and refused the same way.
           Case{"to infinity", "infinity", tasks::kDefaultBackfillMaxWindows, "69916176 windows"},
       }) {
    DYNAMIC_SECTION(c.name) {
      test::ChainFixture f;
      auto p = f.pipeline(24 * 365 * 9000);
      f.exec(std::string("INSERT INTO backfill_requests (pipeline_id, from_time, to_time) VALUES "
                         "('orders', '2024-01-01T00:00Z', '") +
             c.to + "')");
      const auto started = std::chrono::steady_clock::now();
      const auto pass = process(f, p, {.holder = "proc:1", .max_windows = c.max_windows});
      REQUIRE(pass);
      CHECK(std::chrono::steady_clock::now() - started < 30s);
      REQUIRE(pass->taken.size() == 1);
      CHECK(pass->taken[0].request.status == "FAILED");
      CHECK(request_field(f, "status") == "FAILED");
      const auto message = request_field(f, "message");
      CHECK_THAT(message,
                 Catch::Contains(c.count) && Catch::Contains("scheduler.backfill_max_windows (" +
                                                             std::to_string(c.max_windows) + ")"));
      CHECK(f.count("SELECT count(*) FROM pipeline_records") == 0);
      CHECK(f.count("SELECT count(*) FROM backfill_requests WHERE finished_at IS NOT NULL") == 1);
      // Refused once: a later pass finds nothing to take.
      CHECK(process(f, p, {.holder = "proc:1"})->batches == 0);
    }
  }
}

TEST_CASE("a request at the limit is accepted", "[integration][backfill]") {
  test::ChainFixture f;
  auto p = f.pipeline(24 * 365);
  f.exec(
      "INSERT INTO backfill_requests (pipeline_id, from_time, to_time) VALUES "
      "('orders', '2024-01-01T00:00Z', '2024-02-01T00:00Z')");
  const auto pass = process(f, p, {.holder = "proc:1", .max_windows = 744});
  REQUIRE(pass);
  REQUIRE(pass->taken.size() == 1);
  CHECK(pass->taken[0].request.status == "RUNNING");
  CHECK(f.count("SELECT count(*) FROM pipeline_records") == 744);
}

TEST_CASE(
    "a large request is planned a batch at a time, resumes after a stop, and other pipelines' "
    "windows are made between its batches",
    "[integration][backfill]") {
  test::ChainFixture f;
  auto p = f.pipeline(24 * 365);
  auto other = f.pipeline(24 * 365, "other");
  // 2024-01-01 .. 2024-08-01: 5112 hourly windows; 12 exist already, 3 of them FAILED.
  f.exec(
      "INSERT INTO pipeline_records (pipeline_id, window_start_time, window_end_time, target_day, "
      "time_interval, pipeline_status) "
      "SELECT 'orders', t, t + interval '1 hour', t::date, '1h', "
      "CASE WHEN extract(hour FROM t) < 3 THEN 'FAILED' ELSE 'SUCCESS' END "
      "FROM generate_series('2024-03-01T00:00Z'::timestamptz, '2024-03-01T11:00Z', '1 hour') t;"
      "INSERT INTO backfill_requests (pipeline_id, from_time, to_time, reprocess) VALUES "
      "('orders', '2024-01-01T00:00Z', '2024-08-01T00:00Z', 'failed')");
  const tasks::BackfillOptions batched{.holder = "proc:1", .max_batches = 2, .batch_windows = 1000};

  auto first = process(f, p, batched);
  REQUIRE(first);
  CHECK(first->batches == 2);
  CHECK(first->more);
  CHECK(first->taken.empty());
  CHECK(request_field(f, "status") == "PENDING");
  CHECK(request_field(f, "windows_total") == "2000");
  CHECK(f.count("SELECT count(*) FROM backfill_requests WHERE planned_until = "
                "'2024-03-24T08:00Z'") == 1);
  CHECK_THAT(request_field(f, "message"), Catch::StartsWith("planning, up to 2024-03-24"));
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'orders'") ==
        2000);  // the 12 existing ones lie inside the first 2000

  // Between batches the control thread does other work: another pipeline's windows.
  {
    auto c = f.db().connect();
    store::Records records(*c, "proc:1");
    auto made = tasks::generate_due(records, *other, kNow, 100);
    REQUIRE(made);
    CHECK(*made > 0);
  }

  // A stop request between batches ends the call after the batch in flight.
  int asked = 0;
  auto stopped = process(
      f, p, {.holder = "proc:2", .batch_windows = 1000, .stop = [&] { return ++asked > 1; }});
  REQUIRE(stopped);
  CHECK(stopped->batches == 1);
  CHECK(stopped->more);
  CHECK(request_field(f, "windows_total") == "3000");

  // Another processor (a restart) resumes where the last batch ended and finishes.
  auto rest = process(f, p, {.holder = "proc:3", .batch_windows = 1000});
  REQUIRE(rest);
  CHECK_FALSE(rest->more);
  REQUIRE(rest->taken.size() == 1);
  const auto& t = rest->taken[0];
  CHECK(t.windows == 5112);
  CHECK(t.created == 5100);
  CHECK(t.reset == 3);
  CHECK(t.running == 0);
  CHECK(t.request.status == "RUNNING");
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'orders'") == 5112);
  CHECK(f.count("SELECT count(*) FROM (SELECT window_start_time FROM pipeline_records WHERE "
                "pipeline_id = 'orders' GROUP BY 1 HAVING count(*) > 1) d") == 0);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'orders' AND "
                "pipeline_status = 'PENDING'") == 5100 + 3);
  CHECK(request_field(f, "message") ==
        "5112 windows, 5100 created, 3 reset, 0 running left to their run");
  CHECK(request_field(f, "windows_total") == "5112");
}

TEST_CASE("a dry-run request over many batches counts them all and writes no record",
          "[integration][backfill]") {
  test::ChainFixture f;
  auto p = f.pipeline(24 * 365);
  f.exec(
      "INSERT INTO backfill_requests (pipeline_id, from_time, to_time, dry_run) VALUES "
      "('orders', '2024-01-01T00:00Z', '2024-04-01T00:00Z', true)");
  const auto pass = process(f, p, {.holder = "proc:1", .max_batches = 1, .batch_windows = 500});
  REQUIRE(pass);
  REQUIRE(pass->taken.size() == 1);
  CHECK(pass->taken[0].windows == 91 * 24);
  CHECK(request_field(f, "status") == "DONE");
  CHECK(f.count("SELECT count(*) FROM pipeline_records") == 0);
}
