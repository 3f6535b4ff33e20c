// sluiced planning a large backfill request (875,520 one-minute windows, a batch of 1000 per
// transaction): SIGTERM stops it between batches and the daemon exits within its drain
// timeout; the next daemon resumes the request where the last batch ended.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>

#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/files.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

std::int64_t number(store::Connection& c, const std::string& sql) {
  const auto r = test::run_sql(c, sql);
  return r.empty() || r[0][0].is_null() ? -1 : r[0][0].as<std::int64_t>();
}

std::int64_t planned_until(store::Connection& c) {
  return number(c, "SELECT extract(epoch FROM planned_until)::bigint FROM backfill_requests");
}

}  // namespace

TEST_CASE(
    "SIGTERM while sluiced plans a large backfill: it exits within the drain timeout and "
    "a restart resumes the request",
    "[e2e][daemon][backfill]") {
  test::TestDatabase db;
  auto c = test::prepared(
      db,
      "CREATE TABLE src (id int, event_time timestamptz, note text); CREATE TABLE dst (LIKE src)");
  test::TempDir dir;
  test::DaemonSettings settings;
  settings.drain_timeout = "5s";
  test::write_daemon_file(dir.path(), settings);
  test::write_pipeline(dir.path(), "big", "src", "dst", "2020-01-01", "2030-01-01");
  const auto file = dir.path() / "pipelines.d" / "big.yaml";
  auto text = test::read_file(file);
  text.replace(text.find("granularity: 1h"), 15, "granularity: 1m");
  text.replace(text.find("  end_date:"), 0, "  catchup: false\n");
  test::write_file(file, text);
  test::run_sql(*c,
                "INSERT INTO backfill_requests (pipeline_id, from_time, to_time) "
                "VALUES ('big', '2021-01-01T00:00Z', '2022-09-01T00:00Z')");
  const std::string planned_records =
      "SELECT count(*) FROM pipeline_records WHERE trigger = 'backfill' "
      "AND window_start_time < (SELECT planned_until FROM backfill_requests)";

  std::int64_t stopped_at = 0;
  {
    test::DaemonProcess daemon(dir.path(), db.url());
    REQUIRE(test::eventually([&] { return planned_until(*c) > 0; }, 30s));
    const auto signalled = std::chrono::steady_clock::now();
    daemon.signal(SIGTERM);
    const auto result = daemon.wait();
    const auto took = std::chrono::steady_clock::now() - signalled;
    INFO(daemon.log());
    CHECK(result.exit_code == 0);
    CHECK(took < 5s + 3s);  // the drain timeout, and a margin for a loaded machine
    CHECK(daemon.log_contains("draining"));
    stopped_at = planned_until(*c);
    // Planned up to a batch boundary, then left for the next processor.
    CHECK(number(*c, "SELECT count(*) FROM backfill_requests WHERE status = 'PENDING'") == 1);
    CHECK(number(*c, planned_records) == number(*c, "SELECT windows_total FROM backfill_requests"));
    CHECK(number(*c, "SELECT windows_total FROM backfill_requests") % 1000 == 0);
    CHECK(number(*c, "SELECT windows_total FROM backfill_requests") < 875'520);
  }
  {
    test::DaemonProcess daemon(dir.path(), db.url(), "sluiced-2");
    CHECK(test::eventually([&] { return planned_until(*c) > stopped_at; }, 30s));
    daemon.signal(SIGTERM);
    INFO(daemon.log());
    CHECK(daemon.wait().exit_code == 0);
    CHECK(number(*c, planned_records) == number(*c, "SELECT windows_total FROM backfill_requests"));
    CHECK(number(*c,
                 "SELECT count(*) FROM (SELECT window_start_time FROM pipeline_records "
                 "GROUP BY 1 HAVING count(*) > 1) d") == 0);
  }
}
