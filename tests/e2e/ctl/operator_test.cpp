// The operator commands end to end: status, records list/show, rerun, clear, pause/unpause,
// locks list/release, connections test. Each: its table and JSON output, and bad input
// refused with exit 2 and nothing changed.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "framework/store/records.hpp"
#include "tests/support/ctl.hpp"
#include "tests/support/mysql_database.hpp"

using namespace sluice;

namespace {

// copy_events run to the end once: 24 SUCCESS records over 2024-01-01, 48 rows.
struct Env : test::CtlEnv {
  explicit Env(const std::string& extra_connections = "") : CtlEnv(extra_connections) {
    load_copy_events();
  }
};

}  // namespace

TEST_CASE("status shows each pipeline's last success, backlog, running, failed and next due",
          "[e2e][ctl]") {
  Env e;
  test::run_sql(*e.c,
                "UPDATE pipeline_records SET pipeline_status = 'FAILED' WHERE window_start_time = "
                "'2024-01-01T05:00Z'");
  const auto r = e.ctl({"status"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out ==
        "PIPELINE     STATE   LAST_SUCCESS               BACKLOG  RUNNING  FAILED  NEXT_DUE\n"
        "copy_events  active  2024-01-02T00:00:00+00:00  0        0        1       -\n"
        "history      active  -                          0        0        0       "
        "2023-01-01T01:00:00+00:00 (due now)\n");
  const auto j = e.ctl({"-o", "json", "status", "copy_events"});
  REQUIRE(j.exit_code == 0);
  const auto parsed = nlohmann::json::parse(j.out);
  REQUIRE(parsed.size() == 1);
  CHECK(parsed[0]["pipeline"] == "copy_events");
  CHECK(parsed[0]["succeeded"] == 23);
  CHECK(parsed[0]["failed"] == 1);
  CHECK(parsed[0]["next_due"].is_null());
  test::check_ctl_refusals(e, {{"unknown pipeline",
                                {"status", "copy_event"},
                                "unknown pipeline 'copy_event' (did you mean 'copy_events'?)"}});
}

TEST_CASE(
    "records list filters by pipeline, status, range and trigger, records show has every column "
    "and the events",
    "[e2e][ctl]") {
  Env e;
  const auto r = e.ctl({"records", "list", "-p", "copy_events", "--from", "2024-01-01T22:00:00Z"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto first = std::to_string(e.id_at("2024-01-01T22:00Z"));
  const auto second = std::to_string(e.id_at("2024-01-01T23:00Z"));
  const std::string pad(first.size() > 2 ? first.size() - 2 : 0, ' ');
  CHECK(r.out == "ID" + pad +
                     "  PIPELINE     WINDOW_START               WINDOW_END                 STATUS  "
                     " TRIGGER    PHASE  RETRIES  SOURCE  TARGET  ERROR\n" +
                     first +
                     "  copy_events  2024-01-01T22:00:00+00:00  2024-01-01T23:00:00+00:00  SUCCESS "
                     " scheduled  AUDIT  0        2       2       -\n" +
                     second +
                     "  copy_events  2024-01-01T23:00:00+00:00  2024-01-02T00:00:00+00:00  SUCCESS "
                     " scheduled  AUDIT  0        2       2       -\n");
  const auto j = e.ctl({"-o", "json", "records", "list", "--status", "success", "--trigger",
                        "scheduled", "-n", "5"});
  REQUIRE(j.exit_code == 0);
  const auto list = nlohmann::json::parse(j.out);
  CHECK(list.size() == 5);
  CHECK(list[0]["window_start"] == "2024-01-01T00:00:00Z");
  CHECK(list[0]["target_count"] == 2);
  CHECK(nlohmann::json::parse(e.ctl({"-o", "json", "records", "list", "--trigger", "backfill"}).out)
            .empty());

  const auto show = e.ctl({"records", "show", first});
  REQUIRE(show.exit_code == 0);
  CHECK(std::regex_search(show.out, std::regex("\npipeline_id +copy_events\n")));
  CHECK(show.out.find("record_last_updated_time") != std::string::npos);
  CHECK(show.out.find("\nevents:\nAT ") != std::string::npos);
  CHECK(show.out.find("claim ") != std::string::npos);
  const auto shown =
      nlohmann::ordered_json::parse(e.ctl({"-o", "json", "records", "show", first}).out);
  // Every column of pipeline_records, then waiting_on, the definition, the events and the
  // data checks.
  CHECK(shown.size() ==
        static_cast<std::size_t>(e.count("SELECT count(*) FROM information_schema.columns WHERE "
                                         "table_name = 'pipeline_records'")) +
            4);
  CHECK(shown["checks"].empty());
  CHECK(shown["definition"].is_null());  // run by run-once, before any daemon loaded it
  CHECK(shown["waiting_on"].is_null());
  CHECK(shown["pipeline_status"] == "SUCCESS");
  CHECK(static_cast<std::int64_t>(shown["events"].size()) ==
        e.count("SELECT count(*) FROM pipeline_events WHERE record_id = " + first));
  CHECK(shown["events"][0]["task"] == "claim");

  test::check_ctl_refusals(
      e, {
             {"unknown record", {"records", "show", "999999"}, "no record 999999"},
             {"record id not a number", {"records", "show", "abc"}, "id"},
             {"unknown pipeline", {"records", "list", "-p", "copy"}, "unknown pipeline 'copy'"},
             {"bad date", {"records", "list", "--from", "2024-01-32"}, "--from:"},
             {"from after to",
              {"records", "list", "--from", "2024-01-02", "--to", "2024-01-01"},
              "must be after --from"},
             {"unknown status",
              {"records", "list", "--status", "SUCESS"},
              "unknown status 'SUCESS' (did you mean 'SUCCESS'?)"},
             {"unknown trigger",
              {"records", "list", "--trigger", "cron"},
              "--trigger: 'cron' is not one of"},
         });
}

TEST_CASE(
    "rerun sets finished windows back to PENDING, clear deletes them, both need -y off a terminal",
    "[e2e][ctl]") {
  Env e;
  test::run_sql(*e.c,
                "UPDATE pipeline_records SET pipeline_status = 'FAILED' WHERE window_start_time = "
                "'2024-01-01T03:00Z'");
  test::check_ctl_refusals(
      e, {
             {"rerun without -y",
              {"rerun", "copy_events", "--window", "2024-01-01T05:30:00Z"},
              "refusing to rerun 1 record(s) of copy_events without -y: there is no terminal to "
              "ask on"},
             {"clear without -y",
              {"clear", "copy_events", "--from", "2024-01-01", "--to", "2024-01-02"},
              "refusing to clear 24 record(s) of copy_events without -y"},
             {"unknown pipeline", {"rerun", "copy_evnts", "-y"}, "did you mean 'copy_events'?"},
             {"bad date", {"clear", "copy_events", "--from", "yesterday", "-y"}, "--from:"},
             {"from after to",
              {"rerun", "copy_events", "--from", "2024-01-02", "--to", "2024-01-01", "-y"},
              "must be after --from"},
             {"no such window",
              {"rerun", "copy_events", "--window", "2025-01-01T00:00:00Z", "-y"},
              "has no record of the window"},
         });

  const auto one = e.ctl({"-y", "rerun", "copy_events", "--window", "2024-01-01T05:30:00Z"});
  INFO(one.err);
  REQUIRE(one.exit_code == 0);
  CHECK(one.out == "rerun: 1 record(s) of copy_events\n");
  CHECK(
      e.count("SELECT count(*) FROM pipeline_records WHERE window_start_time = '2024-01-01T05:00Z' "
              "AND pipeline_status = 'PENDING' AND trigger = 'manual' AND phase_completed IS NULL "
              "AND target_count IS NULL") == 1);
  const auto failed = e.ctl({"-y", "-o", "json", "rerun", "copy_events", "--only-failed"});
  REQUIRE(failed.exit_code == 0);
  CHECK(nlohmann::json::parse(failed.out) ==
        nlohmann::json{
            {"pipeline", "copy_events"}, {"action", "rerun"}, {"changed", 1}, {"left_alone", 0}});
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING'") == 2);
  CHECK(e.count("SELECT count(*) FROM audit_log WHERE command = 'rerun'") == 2);

  const auto cleared =
      e.ctl({"-y", "clear", "copy_events", "--from", "2024-01-01T20:00:00Z", "--to", "2024-01-02"});
  REQUIRE(cleared.exit_code == 0);
  CHECK(cleared.out == "clear: 4 record(s) of copy_events\n");
  CHECK(e.count("SELECT count(*) FROM pipeline_records") == 20);
  const auto json = e.ctl({"-y", "-o", "json", "clear", "copy_events", "--only-failed"});
  CHECK(nlohmann::json::parse(json.out)["changed"] == 0);
}

TEST_CASE("pause and unpause switch the pipelines row and the claim honours it", "[e2e][ctl]") {
  Env e;
  const auto r = e.ctl({"pause", "history"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "history: paused\n");
  CHECK(e.ctl({"pause", "history"}).out == "history: already paused\n");
  CHECK(e.count("SELECT count(*) FROM pipelines WHERE pipeline_id = 'history' AND paused AND "
                "paused_by IS NOT NULL") == 1);
  CHECK(e.ctl({"status", "history"}).out.find("history   paused") != std::string::npos);
  // A paused pipeline's windows are generated and wait.
  REQUIRE(e.ctl({"run-once", "history"}).exit_code == 0);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'history' AND "
                "pipeline_status = 'PENDING'") == 1);
  const auto j = e.ctl({"-o", "json", "unpause", "history"});
  REQUIRE(j.exit_code == 0);
  CHECK(nlohmann::json::parse(j.out) ==
        nlohmann::json::array({{{"pipeline", "history"}, {"paused", false}, {"changed", true}}}));
  CHECK(e.count("SELECT count(*) FROM pipelines WHERE paused") == 0);
  test::check_ctl_refusals(e, {{"unknown pipeline",
                                {"pause", "history", "histor"},
                                "unknown pipeline 'histor' (did you mean 'history'?)"},
                               {"no pipeline", {"unpause"}, "pipeline is required"}});
}

TEST_CASE(
    "locks list shows running windows, release --stale frees stale ones, release --id fences the "
    "live run out",
    "[e2e][ctl]") {
  Env e;
  const auto stale_id = std::to_string(e.id_at("2024-01-01T01:00Z"));
  const auto live_id = std::to_string(e.id_at("2024-01-01T02:00Z"));
  test::run_sql(
      *e.c,
      "UPDATE pipeline_records SET pipeline_status = 'IN_PROGRESS', dag_run_id = 'scheduled__old', "
      "locked_by = 'gone:1', pipeline_locked_at = now() - interval '5 hours', "
      "heartbeat_at = now() - interval '5 hours' WHERE id = " +
          stale_id +
          ";"
          "UPDATE pipeline_records SET pipeline_status = 'IN_PROGRESS', dag_run_id = "
          "'scheduled__live', "
          "locked_by = 'here:2', pipeline_locked_at = now(), heartbeat_at = now() WHERE id = " +
          live_id);
  const auto list = e.ctl({"locks", "list"});
  INFO(list.err);
  REQUIRE(list.exit_code == 0);
  CHECK(list.out.rfind(
            "ID  PIPELINE     WINDOW_START          RUN              HOLDER  LEASE_AGE  STALE\n",
            0) == 0);
  CHECK(list.out.find("scheduled__old   gone:1  ") != std::string::npos);
  const auto listed = nlohmann::json::parse(e.ctl({"-o", "json", "locks", "list"}).out);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["stale"] == true);
  CHECK(listed[1]["stale"] == false);

  test::check_ctl_refusals(
      e, {{"release without -y",
           {"locks", "release", "--stale"},
           "refusing to release the stale locks without -y"},
          {"neither --stale nor --id", {"-y", "locks", "release"}, "needs --stale or --id"},
          {"a record that is not locked",
           {"-y", "locks", "release", "--id", std::to_string(e.id_at("2024-01-01T05:00Z"))},
           "is SUCCESS, not locked"},
          {"unknown record", {"-y", "locks", "release", "--id", "99999"}, "no record 99999"},
          {"unknown pipeline",
           {"-y", "locks", "release", "--stale", "-p", "nope"},
           "unknown pipeline 'nope'"}});

  const auto stale = e.ctl({"-y", "locks", "release", "--stale"});
  REQUIRE(stale.exit_code == 0);
  CHECK(stale.out == "released 1 lock(s)\n");
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE id = " + stale_id +
                " AND pipeline_status = 'PENDING'") == 1);

  // The live run's holder keeps writing until it is released; then its fenced write finds no row.
  store::Records holder(*e.c, "here:2");
  auto record = *holder.find(RecordId{std::stoll(live_id)});
  REQUIRE(record);
  REQUIRE(*holder.heartbeat(*record));
  const auto taken = e.ctl({"-y", "-o", "json", "locks", "release", "--id", live_id});
  REQUIRE(taken.exit_code == 0);
  CHECK(nlohmann::json::parse(taken.out)["released"] == 1);
  CHECK_FALSE(*holder.heartbeat(*record));
  store::TaskWrite write;
  write.task = store::Task::audit;
  write.move = store::Move::succeed;
  CHECK_FALSE(*holder.write_task(*record, write));
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE id = " + live_id +
                " AND pipeline_status = 'PENDING' "
                "AND dag_run_id IS NULL") == 1);
  CHECK(e.count("SELECT count(*) FROM pipeline_events WHERE record_id = " + live_id +
                " AND outcome = 'RELEASED'") == 1);
}

TEST_CASE("connections test probes each connection, redacts secrets and exits 1 if any failed",
          "[e2e][ctl]") {
  Env e(
      "  down:\n    kind: postgres\n    url: "
      "postgresql://loader:sekretPW-9@127.0.0.1:1/nowhere?connect_timeout=2\n");
  const auto ok = e.ctl({"connections", "test", "db"});
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  CHECK(ok.out.rfind("CONNECTION  KIND      STATE  TOOK", 0) == 0);
  CHECK(ok.out.find("db          postgres  ok     ") != std::string::npos);
  CHECK(ok.out.find("PostgreSQL ") != std::string::npos);

  const auto all = e.ctl({"-o", "json", "connections", "test"});
  CHECK(all.exit_code == 1);
  const auto parsed = nlohmann::json::parse(all.out);
  REQUIRE(parsed.size() == 2);
  CHECK(parsed[0]["state"] == "ok");
  CHECK(parsed[1]["connection"] == "down");
  CHECK(parsed[1]["state"] == "failed");
  CHECK(parsed[1]["error_kind"] == "retryable");
  CHECK(parsed[1]["message"].get<std::string>().find("127.0.0.1") != std::string::npos);
  CHECK(all.out.find("sekretPW") == std::string::npos);
  CHECK(all.err.find("sekretPW") == std::string::npos);
  const auto table = e.ctl({"connections", "test", "down"});
  CHECK(table.exit_code == 1);
  CHECK(table.out.find("down        postgres  failed") != std::string::npos);
  CHECK(table.out.find("sekretPW") == std::string::npos);
  test::check_ctl_refusals(e, {{"unknown connection",
                                {"connections", "test", "dbb"},
                                "unknown connection 'dbb' (did you mean 'db'?)"}});
}

TEST_CASE("connections test reaches every adapter kind on its real server, secrets redacted",
          "[e2e][ctl]") {
  const char* ch_url = std::getenv("SLUICE_TEST_CLICKHOUSE_URL");
  const auto my_url = test::mysql_server_url();
  if (!ch_url || !my_url) {
    WARN(
        "SLUICE_TEST_CLICKHOUSE_URL and SLUICE_TEST_MYSQL_URL name the servers (deploy/test.sh "
        "starts them): skipped");
    return;
  }
  // The MariaDB URL with its password replaced by a wrong one.
  std::string wrong_my = *my_url;
  const auto at = wrong_my.find('@');
  const auto colon = wrong_my.rfind(':', at);
  REQUIRE(at != std::string::npos);
  wrong_my.replace(colon + 1, at - colon - 1, "wrongMY-7");
  test::TempDir files;
  const std::string extra =
      std::string("  ch:\n    kind: clickhouse\n    url: ") + ch_url +
      "\n  ch_wrong:\n    kind: clickhouse\n    url: " + ch_url +
      "\n    user: sluice\n    password: wrongCH-42\n"
      "  maria:\n    kind: mysql\n    url: " +
      *my_url + "\n  maria_wrong:\n    kind: mysql\n    url: " + wrong_my +
      "\n  files:\n    kind: file\n    root: " + files.path().string() +
      "\n  no_files:\n    kind: file\n    root: " + (files.path() / "missing").string() +
      "\n  api_down:\n    kind: http\n    base_url: http://127.0.0.1:1/v1\n"
      "    auth_header: Bearer tokenHTTP-8\n    connect_timeout: 2s\n"
      "    max_retries: 0\n";
  Env e(extra);
  const auto r = e.ctl({"-o", "json", "connections", "test"});
  INFO(r.out);
  INFO(r.err);
  CHECK(r.exit_code == 1);  // some failed
  const auto parsed = nlohmann::json::parse(r.out);
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& c : parsed) by_name[c["connection"].get<std::string>()] = c;
  struct Expect {
    const char* connection;
    const char* kind;
    const char* state;
    const char* error_kind;  // when failed
    const char* says;        // in the message
  };
  const Expect expected[] = {
      {"db", "postgres", "ok", "", "PostgreSQL "},
      {"ch", "clickhouse", "ok", "", "ClickHouse "},
      {"ch_wrong", "clickhouse", "failed", "permanent", "Code 193"},
      {"maria", "mysql", "ok", "", "MariaDB"},
      {"maria_wrong", "mysql", "failed", "permanent", "Access denied"},
      {"files", "file", "ok", "", "(readable, writable)"},
      {"no_files", "file", "failed", "permanent", "is not a directory"},
      {"api_down", "http", "failed", "retryable", "127.0.0.1"},
  };
  CHECK(by_name.size() == std::size(expected));
  for (const auto& x : expected) {
    INFO(x.connection);
    REQUIRE(by_name.contains(x.connection));
    const auto& c = by_name[x.connection];
    CHECK(c["kind"] == x.kind);
    CHECK(c["state"] == x.state);
    if (std::string(x.state) == "failed") CHECK(c["error_kind"] == x.error_kind);
    CHECK_THAT(c["message"].get<std::string>(), Catch::Contains(x.says));
  }
  for (const char* secret : {"wrongCH-42", "wrongMY-7", "tokenHTTP-8"}) {
    INFO(secret);
    CHECK(r.out.find(secret) == std::string::npos);
    CHECK(r.err.find(secret) == std::string::npos);
  }
}
