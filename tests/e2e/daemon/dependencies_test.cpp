// Pipelines that depend on others, end to end: two sluiced processes with 4 workers each run
// a three-level chain of copies (hourly UTC → daily UTC → daily Europe/Zurich). No child
// window is claimed before every upstream window it overlaps has ended; a FAILED upstream
// window holds its children (and `status` says on what); `rerun --downstream --force` of a
// corrected upstream hour reloads the windows below it.
#include <catch2/catch.hpp>

#include <signal.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/daemon/dependency_order.hpp"
#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/ctl.hpp"
#include "tests/support/files.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

void write_layer(const std::filesystem::path& dir, const std::string& id,
                 const std::string& from_table, const std::string& to_table,
                 const std::string& granularity, const std::string& zone, const std::string& start,
                 const std::string& end, const std::string& extra) {
  test::write_file(dir / "pipelines.d" / (id + ".yaml"),
                   "id: " + id + "\nsource:\n  connection: db\n  table: " + from_table +
                       "\n  time_column: event_time\ntarget:\n  connection: db\n  table: " +
                       to_table + "\nschedule:\n  cron: \"0 * * * *\"\n  timezone: " + zone +
                       "\nwindow:\n  granularity: " + granularity + "\n  start_date: \"" + start +
                       "\"\n  end_date: \"" + end + "\"\nmax_active_windows: 4\n" + extra);
}

}  // namespace

TEST_CASE("a three-level chain runs in dependency order on two daemons, and reruns downstream",
          "[e2e][daemon][dependencies]") {
  test::TestDatabase db;
  // 10 rows an hour over 2024-01-01 and 2024-01-02; row 55 (hour 5 of Jan 1) breaks the
  // view until `broken` is cleared.
  auto c = test::prepared(db, R"(
    CREATE TABLE flags (broken boolean);
    INSERT INTO flags VALUES (true);
    CREATE TABLE src_data (id int, event_time timestamptz, amount int);
    INSERT INTO src_data SELECT i, '2024-01-01'::timestamptz + i * interval '6 minutes', i
      FROM generate_series(0, 479) i;
    CREATE VIEW src AS SELECT id, event_time,
        amount / (CASE WHEN id = 55 AND (SELECT broken FROM flags) THEN 0 ELSE 1 END) AS amount
      FROM src_data;
    CREATE TABLE hourly (id int, event_time timestamptz, amount int);
    CREATE TABLE daily (LIKE hourly);
    CREATE TABLE zurich (LIKE hourly))");
  test::TempDir dir;
  test::DaemonSettings settings;
  settings.workers = 4;
  test::write_daemon_file(dir.path(), settings);
  write_layer(dir.path(), "src_hourly", "src", "hourly", "1h", "UTC", "2024-01-01", "2024-01-03",
              "retries:\n  max: 0\n");
  write_layer(dir.path(), "int_daily", "hourly", "daily", "1d", "UTC", "2024-01-01", "2024-01-03",
              "depends_on: [src_hourly]\n");
  write_layer(dir.path(), "fct_zurich", "daily", "zurich", "1d", "Europe/Zurich", "2024-01-02",
              "2024-01-03", "depends_on:\n  - pipeline: int_daily\n    mode: windows\n");
  const auto status_of = [&](const std::string& pipeline) {
    return test::count(*c, "SELECT count(*) FROM pipeline_records WHERE pipeline_id = '" +
                               pipeline + "' AND pipeline_status = 'SUCCESS'");
  };
  {
    test::DaemonProcess first(dir.path(), db.url(), "first");
    test::DaemonProcess second(dir.path(), db.url(), "second");
    // Hour 5 fails for good; the other 47 hours and the second day load.
    REQUIRE(test::eventually(
        [&] {
          return test::count(*c,
                             "SELECT count(*) FROM pipeline_records WHERE pipeline_status = "
                             "'FAILED'") == 1 &&
                 status_of("src_hourly") == 47 && status_of("int_daily") == 1;
        },
        120s));
    const auto status =
        test::run_process(test::ctl_argv({"-c", (dir.path() / "sluice.yaml").string(), "status"}),
                          {{"SLUICE_DATABASE_URL", db.url()}});
    INFO(status.out << status.err);
    CHECK(status.out.find("int_daily: waiting on src_hourly [2024-01-01T05:00:00Z, "
                          "2024-01-01T06:00:00Z) FAILED") != std::string::npos);
    // The Zurich day overlaps both UTC days: it waits for the first.
    CHECK(status.out.find("fct_zurich: waiting on int_daily [2024-01-01T00:00:00Z, "
                          "2024-01-02T00:00:00Z) PENDING") != std::string::npos);
    CHECK(status_of("fct_zurich") == 0);

    // The plan from the failed hour down: three levels, and what holds each window.
    const auto planned =
        test::run_process(test::ctl_argv({"-c", (dir.path() / "sluice.yaml").string(), "-o", "json",
                                          "plan", "src_hourly", "--from", "2024-01-01", "--to",
                                          "2024-01-02", "--downstream"}),
                          {{"SLUICE_DATABASE_URL", db.url()}});
    INFO(planned.out << planned.err);
    REQUIRE(planned.exit_code == 0);
    const auto levels = nlohmann::json::parse(planned.out)["levels"];
    REQUIRE(levels.size() == 3);
    const auto& hourly = levels[0]["pipelines"][0];
    CHECK(hourly["pipeline"] == "src_hourly");
    REQUIRE(hourly["windows"].size() == 24);
    CHECK(hourly["windows"][4]["state"] == "done");
    CHECK(hourly["windows"][5]["state"] == "failed");
    const auto& daily = levels[1]["pipelines"][0];
    CHECK(daily["pipeline"] == "int_daily");
    REQUIRE(daily["windows"].size() == 1);
    CHECK(daily["windows"][0]["state"] == "blocked");
    CHECK(daily["windows"][0]["detail"].get<std::string>().find("FAILED") != std::string::npos);
    const auto& zurich = levels[2]["pipelines"][0];
    CHECK(zurich["pipeline"] == "fct_zurich");
    REQUIRE(zurich["windows"].size() == 1);  // the Zurich day before 2024-01-02 is not its
    CHECK(zurich["windows"][0]["window_start"] == "2024-01-02T00:00:00+01:00");
    CHECK(zurich["windows"][0]["state"] == "blocked");

    test::run_sql(*c, "UPDATE flags SET broken = false");
    const auto rerun =
        test::run_process(test::ctl_argv({"-c", (dir.path() / "sluice.yaml").string(), "rerun",
                                          "src_hourly", "--window", "2024-01-01T05:00:00Z", "-y"}),
                          {{"SLUICE_DATABASE_URL", db.url()}});
    REQUIRE(rerun.exit_code == 0);
    REQUIRE(test::eventually([&] { return status_of("fct_zurich") == 1; }, 120s));
    CHECK(test::count(*c, "SELECT count(*) FROM zurich") == 240);
    CHECK(test::count(*c,
                      "SELECT count(*) FROM zurich WHERE event_time < "
                      "'2024-01-01T23:00Z' OR event_time >= '2024-01-02T23:00Z'") == 0);
    CHECK(test::count(*c, test::kEarlyClaims) == 0);

    // A correction at the source, in the hour the Zurich day starts with: rerun that hour and
    // everything below it. Counts are equal, so only --force reloads.
    test::run_sql(*c,
                  "UPDATE src_data SET amount = -1 WHERE event_time >= '2024-01-01T23:00Z' "
                  "AND event_time < '2024-01-02T00:00Z'");
    const auto downstream = test::run_process(
        test::ctl_argv({"-c", (dir.path() / "sluice.yaml").string(), "rerun", "src_hourly",
                        "--window", "2024-01-01T23:00:00Z", "--downstream", "--force", "-y"}),
        {{"SLUICE_DATABASE_URL", db.url()}});
    INFO(downstream.out << downstream.err);
    REQUIRE(downstream.exit_code == 0);
    CHECK(downstream.out.find("int_daily") != std::string::npos);
    CHECK(downstream.out.find("fct_zurich") != std::string::npos);
    REQUIRE(test::eventually(
        [&] { return test::count(*c, "SELECT count(*) FROM zurich WHERE amount = -1") == 10; },
        120s));
    REQUIRE(test::eventually([&] { return status_of("fct_zurich") == 1; }, 60s));
    CHECK(test::count(*c, "SELECT count(*) FROM daily WHERE amount = -1") == 10);
    CHECK(test::count(*c, test::kEarlyClaims) == 0);
    first.signal(SIGTERM);
    second.signal(SIGTERM);
    CHECK(first.wait().exit_code == 0);
    CHECK(second.wait().exit_code == 0);
  }
  // Both daemons took part.
  CHECK(test::count(*c,
                    "SELECT count(DISTINCT host) FROM pipeline_events WHERE task = "
                    "'claim'") == 2);
}
