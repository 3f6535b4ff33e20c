// `sluicectl backfill` end to end: the request row, --dry-run, --wait with run-once doing
// the work, and bad input refused with nothing changed.
#include <catch2/catch.hpp>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/ctl.hpp"

using namespace sluice;

namespace {

using Env = test::CtlEnv;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("backfill records a request row and prints it", "[e2e][ctl][backfill]") {
  Env e;
  const auto r = e.ctl({"backfill", "history", "--from", "2023-01-01", "--to", "2023-01-02"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(
      r.out ==
      "backfill request 1 recorded: history [2023-01-01T00:00:00+00:00, 2023-01-02T00:00:00+00:00) "
      "reprocess missing\n");
  CHECK(e.count("SELECT count(*) FROM backfill_requests WHERE pipeline_id = 'history' AND status = "
                "'PENDING' "
                "AND from_time = '2023-01-01T00:00Z' AND to_time = '2023-01-02T00:00Z' AND "
                "reprocess = 'missing'") == 1);
  const auto j = e.ctl({"-o", "json", "-y", "backfill", "history", "--from", "2023-01-01", "--to",
                        "2023-01-02", "--reprocess", "failed"});
  REQUIRE(j.exit_code == 0);
  const auto parsed = nlohmann::json::parse(j.out);
  CHECK(parsed["id"] == 2);
  CHECK(parsed["reprocess"] == "failed");
  CHECK(parsed["from"] == "2023-01-01T00:00:00+00:00");
}

TEST_CASE("backfill --dry-run prints what it would create and reset and writes nothing",
          "[e2e][ctl][backfill]") {
  Env e;
  test::run_sql(
      *e.c,
      "INSERT INTO pipeline_records (pipeline_id, window_start_time, window_end_time, target_day, "
      "time_interval, pipeline_status) VALUES "
      "('history', '2023-01-01T01:00Z', '2023-01-01T02:00Z', '2023-01-01', '1h', 'FAILED'),"
      "('history', '2023-01-01T02:00Z', '2023-01-01T03:00Z', '2023-01-01', '1h', 'SUCCESS')");
  const auto before = test::database_fingerprint(*e.c);
  const auto r = e.ctl({"backfill", "history", "--from", "2023-01-01", "--to",
                        "2023-01-01T04:00:00Z", "--reprocess", "failed", "--dry-run"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out ==
        "dry run: 4 windows of history in [2023-01-01T00:00:00+00:00, 2023-01-01T04:00:00+00:00): "
        "2 to create, 1 to "
        "reset, 0 running (left to their run), 1 kept, 0 not yet due; nothing was written\n"
        "ACTION  WINDOW_START               WINDOW_END\n"
        "create  2023-01-01T00:00:00+00:00  2023-01-01T01:00:00+00:00\n"
        "create  2023-01-01T03:00:00+00:00  2023-01-01T04:00:00+00:00\n"
        "reset   2023-01-01T01:00:00+00:00  2023-01-01T02:00:00+00:00\n");
  const auto j = e.ctl({"-o", "json", "backfill", "history", "--from", "2023-01-01", "--to",
                        "2023-01-01T04:00:00Z", "--reprocess", "all", "--dry-run"});
  REQUIRE(j.exit_code == 0);
  const auto parsed = nlohmann::json::parse(j.out);
  CHECK(parsed["windows"] == 4);
  CHECK(parsed["create"].size() == 2);
  CHECK(parsed["reset"].size() == 2);
  CHECK(parsed["kept"] == 0);
  CHECK(test::database_fingerprint(*e.c) == before);
}

TEST_CASE("backfill refuses bad input with exit 2 and changes nothing", "[e2e][ctl][backfill]") {
  Env e;
  const auto before = test::database_fingerprint(*e.c);
  struct Case {
    const char* name;
    std::vector<std::string> args;
    const char* message;
  };
  for (const auto& c : {
           Case{"unknown pipeline",
                {"backfill", "histroy", "--from", "2023-01-01", "--to", "2023-01-02"},
                "unknown pipeline 'histroy' (did you mean 'history'?)"},
           Case{"bad date",
                {"backfill", "history", "--from", "2023-02-30", "--to", "2023-03-01"},
                "--from:"},
           Case{"local time without offset",
                {"backfill", "history", "--from", "2023-01-01T10:00:00", "--to", "2023-01-02"},
                "--from:"},
           Case{
               "from after to",
               {"backfill", "history", "--from", "2023-01-02", "--to", "2023-01-01"},
               "--to (2023-01-01T00:00:00+00:00) must be after --from (2023-01-02T00:00:00+00:00)"},
           Case{"unknown reprocess mode",
                {"backfill", "history", "--from", "2023-01-01", "--to", "2023-01-02", "--reprocess",
                 "some"},
                "--reprocess: 'some' is not one of missing, failed, all"},
           Case{"reprocess all without -y",
                {"backfill", "history", "--from", "2023-01-01", "--to", "2023-01-02", "--reprocess",
                 "all"},
                "refusing to reprocess the all windows of history (they run again) without -y"},
           Case{
               "missing --to", {"backfill", "history", "--from", "2023-01-01"}, "--to is required"},
       }) {
    INFO(c.name);
    const auto r = e.ctl(c.args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
  CHECK(test::database_fingerprint(*e.c) == before);
}

TEST_CASE("backfill of 1,000 windows with --wait follows run-once to the end",
          "[e2e][ctl][backfill][slow]") {
  Env e;
  // 1,000 hourly windows from 2023-01-01: up to 2023-02-11T16:00Z.
  test::Process waiting(test::ctl_argv({"-c", e.config, "backfill", "history", "--from",
                                        "2023-01-01", "--to", "2023-02-11T16:00:00Z", "--wait",
                                        "--poll-interval", "0.2", "--timeout", "600"}),
                        {{"SLUICE_DATABASE_URL", e.db.url()}});
  for (int i = 0; i < 200 && e.count("SELECT count(*) FROM backfill_requests") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(e.count("SELECT count(*) FROM backfill_requests") == 1);
  const auto pass = e.ctl({"-o", "json", "run-once", "history", "--workers", "4"});
  INFO(pass.err);
  REQUIRE(pass.exit_code == 0);
  const auto summary = nlohmann::json::parse(pass.out);
  CHECK(summary["backfill_requests"] == 1);
  CHECK(summary["skipped"] == 1001);  // the backfill and the schedule's newest window; src is empty
  const auto r = waiting.wait();
  INFO(r.out);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() >= 3);
  CHECK(lines[0] ==
        "backfill request 1 recorded: history [2023-01-01T00:00:00+00:00, "
        "2023-02-11T16:00:00+00:00) reprocess missing");
  // Plain lines (not a terminal), each a step forward, ending with all 1,000 windows done.
  const std::regex progress(
      R"(backfill 1: (\d+)/1000 windows \(success 0, skipped (\d+), failed 0, running \d+\), 0 rows, ETA .+)");
  int last_done = -1;
  int progress_lines = 0;
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
    if (lines[i].find("waiting for sluiced") != std::string::npos) continue;
    std::smatch m;
    INFO(lines[i]);
    REQUIRE(std::regex_match(lines[i], m, progress));
    const int done = std::stoi(m[1]);
    CHECK(done >= last_done);
    last_done = done;
    ++progress_lines;
  }
  CHECK(progress_lines >= 1);
  CHECK(last_done == 1000);
  CHECK(lines.back().rfind("backfill 1 DONE in ", 0) == 0);
  CHECK(lines.back().find("1000 windows, 1000 created, 0 reset") != std::string::npos);
  CHECK(r.out.find('\r') == std::string::npos);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE trigger = 'backfill' AND "
                "pipeline_status = 'SKIPPED'") == 1000);
  CHECK(e.count("SELECT windows_done FROM backfill_requests WHERE status = 'DONE'") == 1000);
}

TEST_CASE("backfill --wait exits 1 when a window of the range failed", "[e2e][ctl][backfill]") {
  Env e;
  test::run_sql(
      *e.c,
      "INSERT INTO pipeline_records (pipeline_id, window_start_time, window_end_time, target_day, "
      "time_interval, pipeline_status) VALUES "
      "('history', '2023-01-01T01:00Z', '2023-01-01T02:00Z', '2023-01-01', '1h', 'FAILED')");
  test::Process waiting(
      test::ctl_argv({"-c", e.config, "-o", "json", "backfill", "history", "--from", "2023-01-01",
                      "--to", "2023-01-01T03:00:00Z", "--wait", "--poll-interval", "0.1"}),
      {{"SLUICE_DATABASE_URL", e.db.url()}});
  for (int i = 0; i < 200 && e.count("SELECT count(*) FROM backfill_requests") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(e.ctl({"run-once", "history"}).exit_code == 0);
  const auto r = waiting.wait();
  INFO(r.err);
  CHECK(r.exit_code == 1);
  const auto parsed = nlohmann::json::parse(r.out);
  CHECK(parsed["status"] == "FAILED");
  CHECK(parsed["failed"] == 1);
  CHECK(parsed["skipped"] == 2);
  CHECK(parsed["message"] == "1 of 3 windows FAILED");
}
