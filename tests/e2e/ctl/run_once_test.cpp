// `sluicectl run-once`, `windows preview` and sluiced's start against a real database.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/ctl.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;

namespace {

// The ctl config with copy_events alone: a PG -> PG pipeline over src/dst of `db`, hourly
// windows of 2024-01-01 in UTC (24 windows, all long due).
std::filesystem::path write_config(const test::TempDir& dir) {
  auto config = test::write_ctl_config(dir);
  std::filesystem::remove(dir.path() / "pipelines.d" / "history.yaml");
  return config;
}

}  // namespace

TEST_CASE("run-once copies every due window and a second run finds nothing to do", "[e2e][ctl]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  test::run_sql(
      *c,
      "CREATE TABLE src (id int, event_time timestamptz, note text);"
      "CREATE TABLE dst (LIKE src);"
      "INSERT INTO src SELECT i, '2024-01-01'::timestamptz + i * interval '7 minutes', 'n' || i "
      "FROM generate_series(0, 205) i");  // 206 rows up to 2024-01-01T23:55
  test::TempDir dir;
  const auto config = write_config(dir).string();

  auto first = test::run_ctl({"-c", config, "-o", "json", "run-once"}, db.url());
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  const auto summary = nlohmann::json::parse(first.out);
  CHECK(summary["generated"] == 24);
  CHECK(summary["success"] == 24);
  CHECK(summary["rows"] == 206);
  CHECK(test::count(*c, "SELECT count(*) FROM dst") == 206);

  auto second = test::run_ctl({"-c", config, "run-once"}, db.url());
  CHECK(second.exit_code == 0);
  CHECK(second.out.find("generated 0, success 0") != std::string::npos);
}

TEST_CASE("run-once and windows preview refuse bad input with exit 2 and change nothing",
          "[e2e][ctl]") {
  test::TestDatabase db;
  db.migrate();
  test::TempDir dir;
  const auto config = write_config(dir).string();
  struct Case {
    const char* name;
    std::vector<std::string> args;
    const char* message;
  };
  for (const auto& c : {
           Case{"unknown pipeline",
                {"run-once", "copy_event"},
                "unknown pipeline 'copy_event' (did you mean 'copy_events'?)"},
           Case{"preview of an unknown pipeline",
                {"windows", "preview", "nope"},
                "unknown pipeline 'nope'"},
           Case{"bad date",
                {"windows", "preview", "copy_events", "--from", "2024-13-01"},
                "--from:"},
           Case{"from after to",
                {"windows", "preview", "copy_events", "--from", "2024-01-02", "--to", "2024-01-01"},
                "must be after --from"},
           Case{"negative workers", {"run-once", "--workers", "-1"}, "--workers"},
       }) {
    INFO(c.name);
    std::vector<std::string> args{"-c", config};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = test::run_ctl(args, db.url());
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
  auto conn = db.connect();
  CHECK(test::count(*conn, "SELECT count(*) FROM pipeline_records") == 0);
}

TEST_CASE("windows preview lists the windows with target_day and due", "[e2e][ctl]") {
  test::TempDir dir;
  const auto config = write_config(dir).string();
  const auto r = test::run_ctl(
      {"-c", config, "windows", "preview", "copy_events", "--from", "2024-01-01T22:00:00Z"},
      "postgresql://unused@127.0.0.1:1/x");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out ==
        "WINDOW_START               WINDOW_END                 TARGET_DAY  DUE\n"
        "2024-01-01T22:00:00+00:00  2024-01-01T23:00:00+00:00  2024-01-01  yes\n"
        "2024-01-01T23:00:00+00:00  2024-01-02T00:00:00+00:00  2024-01-01  yes\n");
}

TEST_CASE("sluiced refuses an outdated schema and says what to run", "[e2e][daemon]") {
  test::TestDatabase db;  // not migrated
  test::TempDir dir;
  const auto config = write_config(dir).string();
  const auto r =
      test::run_process({(test::binary_dir() / "daemon" / "sluiced").string(), "-c", config},
                        {{"SLUICE_DATABASE_URL", db.url()}});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("database schema is at version 0") != std::string::npos);
  CHECK(r.err.find("run `sluicectl db migrate`") != std::string::npos);
}

TEST_CASE("sluiced logs its pipelines, runs the due windows and stops cleanly on SIGINT",
          "[e2e][daemon]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  test::run_sql(
      *c,
      "CREATE TABLE src (id int, event_time timestamptz, note text); CREATE TABLE dst (LIKE src);"
      "INSERT INTO src SELECT i, '2024-01-01'::timestamptz + i * interval '1 hour', 'x' FROM "
      "generate_series(0, 23) i");
  test::TempDir dir;
  const auto config = write_config(dir).string();
  test::Process daemon({(test::binary_dir() / "daemon" / "sluiced").string(), "-c", config},
                       {{"SLUICE_DATABASE_URL", db.url()}});
  int done = 0;
  for (int i = 0; i < 120 && done < 24; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    done = test::run_sql(
               *c, "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS'")[0][0]
               .as<int>();
  }
  CHECK(done == 24);
  kill(daemon.pid(), SIGINT);
  const auto r = daemon.wait();
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("pipeline=copy_events db -> db schedule='0 * * * *' zone=UTC granularity=1h") !=
        std::string::npos);
  CHECK(r.err.find("draining") != std::string::npos);
  CHECK(r.err.find("sluiced stopped") != std::string::npos);
  CHECK(test::count(*c, "SELECT count(*) FROM dst") == 24);
}
