// Ranges to the end of the calendar through the binaries: `sluicectl backfill` refuses a
// range over scheduler.backfill_max_windows with exit 2 naming the count, at once, with or
// without --dry-run; a dry run of an allowed million windows and `windows preview -n 100000
// --to 9999-12-31` finish quickly and print a bounded result.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>

#include "tests/support/ctl.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

// A pipeline of one-minute windows from 2020-01-01 with no end: a range to 9999-12-31
// holds about 4.2 billion of them.
struct Env {
  test::TestDatabase db;
  test::TempDir dir;
  std::string config;
  std::unique_ptr<store::Connection> c;

  explicit Env(const std::string& scheduler = "") {
    db.migrate();
    c = db.connect();
    test::create_ctl_tables(*c);
    test::write_file(dir.path() / "sluice.yaml",
                     "database:\n  url: ${env:SLUICE_DATABASE_URL}\nstage:\n  root: stage\n" +
                         scheduler +
                         "connections:\n  db:\n    kind: postgres\n"
                         "    url: ${env:SLUICE_DATABASE_URL}\n");
    test::write_file(dir.path() / "pipelines.d" / "minutely.yaml",
                     "id: minutely\nsource:\n  connection: db\n  table: src\n"
                     "  time_column: event_time\ntarget:\n  connection: db\n  table: dst\n"
                     "schedule:\n  cron: \"* * * * *\"\n  timezone: Europe/Zurich\n"
                     "window:\n  granularity: 1m\n  start_date: \"2020-01-01\"\n");
    config = (dir.path() / "sluice.yaml").string();
  }
  struct Timed {
    test::ProcessResult r;
    std::chrono::steady_clock::duration took;
  };
  Timed ctl(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-c", config});
    const auto started = std::chrono::steady_clock::now();
    auto r = test::run_ctl(args, db.url());
    return {std::move(r), std::chrono::steady_clock::now() - started};
  }
  std::int64_t count(const std::string& sql) const { return test::count(*c, sql); }
};

std::size_t lines_in(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("backfill --to 9999-12-31 exits 2 at once, naming the count and the limit",
          "[e2e][ctl][backfill]") {
  Env e;
  const auto before = test::database_fingerprint(*e.c);
  // Minutes from 2026-12-05 to 9999-12-31 in Zurich: days * 1440, less the 60 minutes of
  // each spring gap (they all fall on 03:00); an autumn fold takes each minute once.
  for (const auto& from : {"2026-12-05", "2020-01-01"}) {
    for (const bool dry : {false, true}) {
      INFO(from << (dry ? " --dry-run" : ""));
      std::vector<std::string> args{"backfill", "minutely", "--from", from, "--to", "9999-12-31"};
      if (dry) args.push_back("--dry-run");
      const auto t = e.ctl(args);
      INFO(t.r.err);
      CHECK(t.r.exit_code == 2);
      CHECK(t.r.out.empty());
      CHECK_THAT(t.r.err, Catch::Contains("scheduler.backfill_max_windows (1000000)"));
      CHECK_THAT(t.r.err,
                 Catch::Contains(std::string(from) == "2026-12-05" ? "4192951380 windows"
                                                                   : "4196594160 windows"));
      CHECK(t.took < 20s);
    }
  }
  CHECK(test::database_fingerprint(*e.c) == before);
}

TEST_CASE(
    "backfill_max_windows is read from the daemon file: one over is refused, the limit passes",
    "[e2e][ctl][backfill]") {
  Env e("scheduler:\n  backfill_max_windows: 60\n");
  const auto over = e.ctl(
      {"backfill", "minutely", "--from", "2024-01-01T00:00:00Z", "--to", "2024-01-01T01:01:00Z"});
  CHECK(over.r.exit_code == 2);
  CHECK_THAT(over.r.err, Catch::Contains("holds 61 windows") &&
                             Catch::Contains("scheduler.backfill_max_windows (60)"));
  CHECK(e.count("SELECT count(*) FROM backfill_requests") == 0);
  const auto at = e.ctl(
      {"backfill", "minutely", "--from", "2024-01-01T00:00:00Z", "--to", "2024-01-01T01:00:00Z"});
  INFO(at.r.err);
  CHECK(at.r.exit_code == 0);
  CHECK(e.count("SELECT count(*) FROM backfill_requests") == 1);
}

TEST_CASE("backfill --dry-run of a million windows counts them all and lists a bounded few",
          "[e2e][ctl][backfill]") {
  Env e;
  // 694 days of minutes less two spring gaps: 999,240 windows, under the default limit; 150
  // FAILED records exist.
  test::run_sql(*e.c,
                "INSERT INTO pipeline_records (pipeline_id, window_start_time, window_end_time, "
                "target_day, time_interval, pipeline_status) "
                "SELECT 'minutely', t, t + interval '1 minute', t::date, '1m', 'FAILED' "
                "FROM generate_series('2021-06-01T00:00Z'::timestamptz, '2021-06-01T02:29Z', "
                "'1 minute') t");
  const auto t = e.ctl({"backfill", "minutely", "--from", "2021-01-01T00:00:00Z", "--to",
                        "2022-11-26T00:00:00Z", "--reprocess", "failed", "--dry-run", "-n", "20"});
  INFO(t.r.err);
  REQUIRE(t.r.exit_code == 0);
  CHECK_THAT(t.r.out, Catch::StartsWith("dry run: 999240 windows of minutely") &&
                          Catch::Contains("999090 to create, 150 to reset"));
  // The summary, the table header, 20 creates, 20 resets and two "more" lines.
  CHECK(lines_in(t.r.out) == 1 + 1 + 20 + 20 + 2);
  CHECK_THAT(t.r.out, Catch::Contains("... 999070 more to create") &&
                          Catch::Contains("... 130 more to reset"));
  CHECK(t.took < 60s);
}

TEST_CASE("windows preview -n 100000 --to 9999-12-31 prints 100000 windows and stops",
          "[e2e][ctl]") {
  Env e;
  const auto t = e.ctl({"windows", "preview", "minutely", "-n", "100000", "--to", "9999-12-31"});
  INFO(t.r.err);
  REQUIRE(t.r.exit_code == 0);
  CHECK(lines_in(t.r.out) == 1 + 100000);
  CHECK_THAT(t.r.out, Catch::StartsWith("WINDOW_START") &&
                          Catch::Contains("2020-01-01T00:00:00+01:00  2020-01-01T00:01:00+01:00"));
  CHECK(t.took < 60s);
}
