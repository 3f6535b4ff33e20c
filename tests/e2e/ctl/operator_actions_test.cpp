// The operator actions of G3 end to end: mark-success, --force on rerun and on backfill
// --reprocess all, and the --tag filter of status and records list. Each: what it changes,
// and bad or hostile input refused with exit 2 and nothing changed.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/ctl.hpp"

using namespace sluice;

namespace {

// copy_events run to the end once: 24 SUCCESS records over 2024-01-01, 48 rows (2 a window).
struct Env : test::CtlEnv {
  Env() { load_copy_events(); }
  // The window starting at `start` FAILED as the chain leaves one: run ID and holder kept.
  void fail_window(const std::string& start) const {
    test::run_sql(*c,
                  "UPDATE pipeline_records SET pipeline_status = 'FAILED', audit_result = 'FAIL', "
                  "audit_status = 'FAILED', error_message = 'audit: source 2, target 1', "
                  "locked_by = 'worker:1', heartbeat_at = now(), next_attempt_at = now() "
                  "WHERE pipeline_id = 'copy_events' AND window_start_time = '" +
                      start + "'");
  }
  std::string status_of(const std::string& start) const {
    return test::run_sql(*c,
                         "SELECT pipeline_status FROM pipeline_records WHERE pipeline_id = "
                         "'copy_events' AND window_start_time = '" +
                             start + "'")[0][0]
        .as<std::string>();
  }
};

}  // namespace

TEST_CASE(
    "mark-success accepts a FAILED window: SUCCESS, audit result ACCEPTED, no lock, an event and "
    "an audit row",
    "[e2e][ctl][mark_success]") {
  Env e;
  e.fail_window("2024-01-01T05:00Z");
  const auto id = std::to_string(e.id_at("2024-01-01T05:00Z"));
  const auto r = e.ctl({"mark-success", "copy_events", "2024-01-01T05:30:00Z", "--reason",
                        "source outage; rows checked by hand"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "mark-success: copy_events window 2024-01-01T05:00:00+00:00 (record " + id +
                     ") is SUCCESS, audit result ACCEPTED\n");
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE id = " + id +
                " AND pipeline_status = 'SUCCESS' AND audit_result = 'ACCEPTED' "
                "AND dag_run_id IS NULL AND locked_by IS NULL AND pipeline_locked_at IS NULL "
                "AND heartbeat_at IS NULL AND next_attempt_at IS NULL AND NOT force_reload") == 1);
  CHECK(e.count("SELECT count(*) FROM pipeline_events WHERE record_id = " + id +
                " AND task = 'operator' AND from_status = 'FAILED' AND to_status = 'SUCCESS' "
                "AND outcome = 'ACCEPTED' AND dag_run_id LIKE 'scheduled__%' "
                "AND message LIKE 'accepted by %: source outage; rows checked by hand'") == 1);
  CHECK(e.count("SELECT count(*) FROM audit_log WHERE command = 'mark-success' AND pipeline_id = "
                "'copy_events' AND affected = 1 AND client IS NULL "
                "AND message = 'source outage; rows checked by hand' "
                "AND arguments->>'window' = '2024-01-01T05:30:00Z' AND arguments->>'id' = '" +
                id + "'") == 1);

  // records list and show say ACCEPTED.
  const auto list = e.ctl({"records", "list", "-p", "copy_events", "--from", "2024-01-01T05:00:00Z",
                           "--to", "2024-01-01T07:00:00Z"});
  REQUIRE(list.exit_code == 0);
  CHECK(list.out.find("  SUCCESS (accepted)  scheduled") != std::string::npos);
  const auto listed =
      nlohmann::json::parse(e.ctl({"-o", "json", "records", "list", "-p", "copy_events", "--from",
                                   "2024-01-01T05:00:00Z", "--to", "2024-01-01T07:00:00Z"})
                                .out);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["audit_result"] == "ACCEPTED");
  CHECK(listed[1]["audit_result"] == "PASS");
  const auto shown = nlohmann::json::parse(e.ctl({"-o", "json", "records", "show", id}).out);
  CHECK(shown["audit_result"] == "ACCEPTED");
  CHECK(shown["events"].back()["outcome"] == "ACCEPTED");

  // Hostile reasons are kept as written: quotes, newlines, SQL, 1000 two-byte characters.
  e.fail_window("2024-01-01T06:00Z");
  const std::string hostile = "it's \"fine\"\nline two'); DROP TABLE audit_log; --\t\\";
  const auto j = e.ctl(
      {"-o", "json", "mark-success", "copy_events", "2024-01-01T06:00:00Z", "--reason", hostile});
  INFO(j.err);
  REQUIRE(j.exit_code == 0);
  const auto answer = nlohmann::json::parse(j.out);
  CHECK(answer == nlohmann::json{{"id", e.id_at("2024-01-01T06:00Z")},
                                 {"pipeline", "copy_events"},
                                 {"window_start", "2024-01-01T06:00:00Z"},
                                 {"status", "SUCCESS"},
                                 {"audit_result", "ACCEPTED"}});
  CHECK(test::run_sql(*e.c, "SELECT message FROM audit_log ORDER BY id DESC LIMIT 1")[0][0]
            .as<std::string>() == hostile);
  e.fail_window("2024-01-01T07:00Z");
  std::string longest;
  for (int i = 0; i < 1000; ++i) longest += "\xc3\xa9";  // é
  const auto l =
      e.ctl({"mark-success", "copy_events", "2024-01-01T07:00:00Z", "--reason", longest});
  INFO(l.err);
  CHECK(l.exit_code == 0);
  CHECK(e.status_of("2024-01-01T07:00Z") == "SUCCESS");
}

TEST_CASE("mark-success refuses anything but a FAILED window, and bad input, changing nothing",
          "[e2e][ctl][mark_success]") {
  Env e;
  e.fail_window("2024-01-01T01:00Z");
  test::run_sql(*e.c,
                "UPDATE pipeline_records SET pipeline_status = 'PENDING' WHERE window_start_time "
                "= '2024-01-01T02:00Z';"
                "UPDATE pipeline_records SET pipeline_status = 'IN_PROGRESS', dag_run_id = "
                "'scheduled__x', pipeline_locked_at = now() WHERE window_start_time = "
                "'2024-01-01T03:00Z';"
                "UPDATE pipeline_records SET pipeline_status = 'SKIPPED' WHERE window_start_time "
                "= '2024-01-01T04:00Z'");
  const auto msg = [](const char* status) {
    return std::string(" is ") + status + ": only a FAILED window can be marked a success";
  };
  const std::string too_long(1001, 'x');
  test::check_ctl_refusals(
      e,
      {
          {"pending", {"mark-success", "copy_events", "2024-01-01T02:00:00Z", "--reason", "r"}, ""},
          {"in progress",
           {"mark-success", "copy_events", "2024-01-01T03:15:00Z", "--reason", "r"},
           ""},
          {"success", {"mark-success", "copy_events", "2024-01-01T00:00:00Z", "--reason", "r"}, ""},
          {"skipped", {"mark-success", "copy_events", "2024-01-01T04:00:00Z", "--reason", "r"}, ""},
          {"no --reason", {"mark-success", "copy_events", "2024-01-01T01:00:00Z"}, "--reason"},
          {"empty --reason",
           {"mark-success", "copy_events", "2024-01-01T01:00:00Z", "--reason", ""},
           "--reason: required"},
          {"blank --reason",
           {"mark-success", "copy_events", "2024-01-01T01:00:00Z", "--reason", " \n\t "},
           "--reason: required"},
          {"too long --reason",
           {"mark-success", "copy_events", "2024-01-01T01:00:00Z", "--reason", too_long},
           "--reason: 1001 characters, at most 1000"},
          {"unknown pipeline",
           {"mark-success", "copy_event", "2024-01-01T01:00:00Z", "--reason", "r"},
           "unknown pipeline 'copy_event' (did you mean 'copy_events'?)"},
          {"no such window",
           {"mark-success", "copy_events", "2025-01-01", "--reason", "r"},
           "no record of copy_events's window starting 2025-01-01T00:00:00+00:00"},
          {"bad instant",
           {"mark-success", "copy_events", "2024-01-32", "--reason", "r"},
           "WINDOW: "},
          {"no window", {"mark-success", "copy_events", "--reason", "r"}, "window"},
      });
  // The status refusals name the status.
  for (const auto& [at, status] :
       std::vector<std::pair<std::string, const char*>>{{"2024-01-01T02:00:00Z", "PENDING"},
                                                        {"2024-01-01T03:00:00Z", "IN_PROGRESS"},
                                                        {"2024-01-01T00:00:00Z", "SUCCESS"},
                                                        {"2024-01-01T04:00:00Z", "SKIPPED"}}) {
    const auto r = e.ctl({"mark-success", "copy_events", at, "--reason", "r"});
    INFO(at << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(msg(status)) != std::string::npos);
    CHECK(r.err.find("nothing was changed") != std::string::npos);
  }
  CHECK(e.status_of("2024-01-01T01:00Z") == "FAILED");
  CHECK(e.count("SELECT count(*) FROM audit_log") == 0);
}

TEST_CASE("rerun --force reloads a window whose counts are equal, where a plain rerun ends SKIPPED",
          "[e2e][ctl][force]") {
  Env e;
  // Corrected at the source, same row count: pre-validation cannot see it.
  test::run_sql(*e.c,
                "UPDATE src SET note = 'fixed' WHERE event_time >= '2024-01-01T05:00Z' AND "
                "event_time < '2024-01-01T06:00Z'");
  const auto id = std::to_string(e.id_at("2024-01-01T05:00Z"));
  const auto fixed_in_target = [&] {
    return e.count(
        "SELECT count(*) FROM dst WHERE note = 'fixed' AND event_time >= '2024-01-01T05:00Z' "
        "AND event_time < '2024-01-01T06:00Z'");
  };

  REQUIRE(e.ctl({"-y", "rerun", "copy_events", "--window", "2024-01-01T05:00:00Z"}).exit_code == 0);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE id = " + id +
                " AND NOT force_reload") == 1);
  REQUIRE(e.ctl({"run-once", "copy_events"}).exit_code == 0);
  CHECK(e.status_of("2024-01-01T05:00Z") == "SKIPPED");
  CHECK(fixed_in_target() == 0);

  const auto forced =
      e.ctl({"-y", "rerun", "copy_events", "--window", "2024-01-01T05:00:00Z", "--force"});
  INFO(forced.err);
  REQUIRE(forced.exit_code == 0);
  CHECK(forced.out == "rerun: 1 record(s) of copy_events\n");
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE id = " + id +
                " AND force_reload AND pipeline_status = 'PENDING'") == 1);
  CHECK(e.count("SELECT count(*) FROM audit_log WHERE command = 'rerun' AND "
                "(arguments->>'force')::boolean") == 1);
  const auto events_before = e.count("SELECT max(id) FROM pipeline_events");
  REQUIRE(e.ctl({"run-once", "copy_events"}).exit_code == 0);
  CHECK(e.status_of("2024-01-01T05:00Z") == "SUCCESS");
  CHECK(fixed_in_target() == 2);
  CHECK(e.count("SELECT count(*) FROM dst") == 48);  // replaced, not added
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE id = " + id +
                " AND NOT force_reload AND audit_result = 'PASS'") == 1);
  // The history shows the load: the forced pre-validation, both load tasks and the audit.
  const auto after = " AND id > " + std::to_string(events_before);
  CHECK(e.count("SELECT count(*) FROM pipeline_events WHERE record_id = " + id +
                " AND task = 'pre_validation' AND outcome = 'SUCCESS' AND message LIKE "
                "'%reloading (forced)'" +
                after) == 1);
  for (const char* task : {"source_to_stage", "stage_to_target", "audit"})
    CHECK(e.count("SELECT count(*) FROM pipeline_events WHERE record_id = " + id + " AND task = '" +
                  task + "' AND outcome = 'SUCCESS'" + after) == 1);
  // The window ended: the next plain rerun is not forced.
  REQUIRE(e.ctl({"-y", "rerun", "copy_events", "--window", "2024-01-01T05:00:00Z"}).exit_code == 0);
  REQUIRE(e.ctl({"run-once", "copy_events"}).exit_code == 0);
  CHECK(e.status_of("2024-01-01T05:00Z") == "SKIPPED");
}

TEST_CASE("backfill --reprocess all --force reloads every window, which without --force skip",
          "[e2e][ctl][force][backfill]") {
  Env e;
  test::run_sql(*e.c, "UPDATE src SET note = 'fixed' WHERE event_time < '2024-01-01T06:00Z'");
  test::check_ctl_refusals(e, {
                                  {"--force with reprocess missing",
                                   {"-y", "backfill", "copy_events", "--from", "2024-01-01", "--to",
                                    "2024-01-01T06:00:00Z", "--force"},
                                   "--force needs --reprocess all (got 'missing')"},
                                  {"--force with reprocess failed",
                                   {"-y", "backfill", "copy_events", "--from", "2024-01-01", "--to",
                                    "2024-01-01T06:00:00Z", "--reprocess", "failed", "--force"},
                                   "--force needs --reprocess all (got 'failed')"},
                              });
  const auto skipped_count = [&] {
    return e.count(
        "SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SKIPPED' AND trigger = "
        "'backfill'");
  };
  REQUIRE(e.ctl({"-y", "backfill", "copy_events", "--from", "2024-01-01", "--to",
                 "2024-01-01T06:00:00Z", "--reprocess", "all"})
              .exit_code == 0);
  REQUIRE(e.ctl({"run-once", "copy_events"}).exit_code == 0);
  CHECK(skipped_count() == 6);
  CHECK(e.count("SELECT count(*) FROM dst WHERE note = 'fixed'") == 0);

  const auto r = e.ctl({"-y", "backfill", "copy_events", "--from", "2024-01-01", "--to",
                        "2024-01-01T06:00:00Z", "--reprocess", "all", "--force"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("reprocess all, forced\n") != std::string::npos);
  CHECK(e.count("SELECT count(*) FROM backfill_requests WHERE force AND reprocess = 'all'") == 1);
  const auto once = e.ctl({"run-once", "copy_events"});
  INFO(once.err);
  REQUIRE(once.exit_code == 0);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                "trigger = 'backfill' AND window_start_time < '2024-01-01T06:00Z'") == 6);
  CHECK(skipped_count() == 0);
  CHECK(e.count("SELECT count(*) FROM dst WHERE note = 'fixed'") == 12);
  CHECK(e.count("SELECT count(*) FROM dst") == 48);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE force_reload") == 0);
  CHECK(e.count("SELECT count(*) FROM backfill_requests WHERE force AND status = 'DONE'") == 1);
  const auto listed =
      nlohmann::json::parse(e.ctl({"-o", "json", "backfills", "list", "-p", "copy_events"}).out);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["force"] == true);
  CHECK(listed[1]["force"] == false);
}

TEST_CASE("status --tag and records list --tag keep the pipelines with any of the tags",
          "[e2e][ctl][tag]") {
  Env e;
  const auto tag = [&](const std::string& id, const std::string& tags) {
    const auto path = e.dir.path() / "pipelines.d" / (id + ".yaml");
    test::write_file(path, test::read_file(path) + "tags: " + tags + "\n");
  };
  tag("copy_events", "[billing, \"eu/west ü\"]");
  tag("history", "[nightly]");

  const auto names = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-o", "json"});
    const auto r = e.ctl(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> out;
    for (const auto& p : nlohmann::json::parse(r.out))
      out.push_back(p.value("pipeline", std::string()));
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(names({"status", "--tag", "billing"}) == V{"copy_events"});
  CHECK(names({"status", "--tag", "eu/west ü"}) == V{"copy_events"});
  CHECK(names({"status", "--tag", "nightly", "--tag", "billing"}) == V{"copy_events", "history"});
  CHECK(names({"status", "history", "--tag", "billing"}).empty());
  const auto table = e.ctl({"status", "--tag", "nightly"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("copy_events") == std::string::npos);
  CHECK(table.out.find("\nhistory ") != std::string::npos);

  CHECK(names({"records", "list", "--tag", "billing", "-n", "1000"}).size() == 24);
  CHECK(names({"records", "list", "--tag", "nightly"}).empty());
  CHECK(names({"records", "list", "-p", "history", "--tag", "billing"}).empty());
  CHECK(names({"records", "list", "--tag", "nightly", "--tag", "billing", "--status", "success",
               "-n", "5"})
            .size() == 5);

  test::check_ctl_refusals(
      e, {
             {"unknown tag",
              {"status", "--tag", "biling"},
              "--tag: no pipeline has the tag 'biling' (did you mean 'billing'?); "
              "tags: billing eu/west ü nightly"},
             {"one of two unknown",
              {"records", "list", "--tag", "billing", "--tag", "weekly"},
              "no pipeline has the tag 'weekly'"},
             {"empty tag", {"records", "list", "--tag", ""}, "the tag ''"},
             {"control characters",
              {"status", "--tag", "bill\ning\x1b[31m"},
              "the tag 'bill\\x0aing\\x1b[31m'"},
         });
}
