// `run_if` in a real sluiced: a window whose marker file is missing waits (and `sluicectl
// status` and `records list` say why, the daemon's log names the pipeline, the window and
// the run), then runs once the marker appears; a calendar day is SKIPPED with the reason; a
// condition query on the database skips what it finds false.
#include <catch2/catch.hpp>

#include <sstream>

#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/ctl.hpp"
#include "tests/support/files.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;

TEST_CASE("a window waits for its marker file, says why, and runs once it appears",
          "[e2e][daemon][run_if]") {
  test::TestDatabase db;
  // Ten rows in each hour of 2024-01-01 00:00 to 03:00 UTC.
  auto c = test::prepared(db, R"(
    CREATE TABLE src (id int, event_time timestamptz, amount int);
    INSERT INTO src SELECT i, '2024-01-01'::timestamptz + i * interval '6 minutes', i
      FROM generate_series(0, 29) i;
    CREATE TABLE marked (LIKE src);
    CREATE TABLE holiday (LIKE src);
    CREATE TABLE gated (LIKE src);
    CREATE TABLE gates (hour timestamptz PRIMARY KEY))");
  test::TempDir dir;
  test::TempDir markers;
  test::write_daemon_file(dir.path(), {});
  const std::string marker_of_hour = markers.path().string() + "/{window_start:%Y%m%d%H}/_SUCCESS";
  test::write_pipeline(dir.path(), "marked", "src", "marked", "2024-01-01T00:00:00Z",
                       "2024-01-01T02:00:00Z", "run_if:\n  file_exists: " + marker_of_hour + "\n");
  test::write_pipeline(dir.path(), "holiday", "src", "holiday", "2024-01-01T00:00:00Z",
                       "2024-01-01T02:00:00Z", "run_if:\n  calendar: [2024-12-25, 2024-01-01]\n");
  test::write_pipeline(dir.path(), "gated", "src", "gated", "2024-01-01T00:00:00Z",
                       "2024-01-01T03:00:00Z",
                       "run_if:\n  sql: SELECT true FROM gates WHERE hour = :window_start\n"
                       "  on_false: skip\n");
  test::run_sql(*c, "INSERT INTO gates VALUES ('2024-01-01T01:00:00Z')");
  test::write_file(markers.path() / "2024010100" / "_SUCCESS", "");
  const auto records = [&](const std::string& where) {
    return test::count(*c, "SELECT count(*) FROM pipeline_records WHERE " + where);
  };
  const auto ctl = [&](const std::vector<std::string>& args) {
    std::vector<std::string> all{"-c", (dir.path() / "sluice.yaml").string()};
    all.insert(all.end(), args.begin(), args.end());
    return test::run_process(test::ctl_argv(all), {{"SLUICE_DATABASE_URL", db.url()}});
  };

  test::DaemonProcess daemon(dir.path(), db.url());
  REQUIRE(test::eventually(
      [&] {
        return records("pipeline_id = 'marked' AND pipeline_status = 'SUCCESS'") == 1 &&
               records("pipeline_id = 'marked' AND error_message LIKE 'waiting for run_if:%'") ==
                   1 &&
               records(
                   "pipeline_id IN ('holiday', 'gated') AND pipeline_status IN ('SUCCESS', "
                   "'SKIPPED')") == 5;
      },
      60s));
  const std::string missing = markers.path().string() + "/2024010101/_SUCCESS does not exist";
  CHECK(records("pipeline_id = 'marked' AND pipeline_status = 'PENDING' AND retry_attempt = 0 "
                "AND window_start_time = '2024-01-01T01:00:00Z'") == 1);
  CHECK(test::count(*c, "SELECT count(*) FROM marked") == 10);

  const auto status = ctl({"status"});
  INFO(status.out << status.err);
  CHECK(status.out.find("marked: waiting for run_if: file_exists: " + missing) !=
        std::string::npos);
  const auto list = ctl({"-o", "json", "records", "list", "-p", "marked"});
  INFO(list.out);
  CHECK(list.out.find("waiting for run_if: file_exists: " + missing) != std::string::npos);

  // The log line of a check names the pipeline, the window and the run.
  std::istringstream log(daemon.log());
  bool logged = false;
  for (std::string line; std::getline(log, line);)
    logged =
        logged || (line.find("pipeline=marked window=[2024-01-01T01:00:00Z") != std::string::npos &&
                   line.find(" run=scheduled__") != std::string::npos &&
                   line.find("waiting for run_if: file_exists: " + missing) != std::string::npos);
  CHECK(logged);

  CHECK(records("pipeline_id = 'holiday' AND pipeline_status = 'SKIPPED' AND error_message = "
                "'skipped by run_if: calendar: 2024-01-01 is listed'") == 2);
  CHECK(test::count(*c, "SELECT count(*) FROM holiday") == 0);
  CHECK(records("pipeline_id = 'gated' AND pipeline_status = 'SUCCESS'") == 1);
  CHECK(records("pipeline_id = 'gated' AND pipeline_status = 'SKIPPED' AND error_message = "
                "'skipped by run_if: sql on connection ''db'' selected no row, or NULL'") == 2);
  CHECK(test::count(*c,
                    "SELECT count(*) FROM gated WHERE event_time >= '2024-01-01T01:00:00Z' "
                    "AND event_time < '2024-01-01T02:00:00Z'") == 10);
  CHECK(test::count(*c, "SELECT count(*) FROM gated") == 10);

  test::write_file(markers.path() / "2024010101" / "_SUCCESS", "");
  REQUIRE(test::eventually(
      [&] { return records("pipeline_id = 'marked' AND pipeline_status = 'SUCCESS'") == 2; }, 60s));
  CHECK(test::count(*c, "SELECT count(*) FROM marked") == 20);
  CHECK(records("pipeline_id = 'marked' AND retry_attempt = 0 AND error_message IS NULL") == 2);
}
