// The API's backfill, lock, audit-log and connection routes against sluicectl on the same
// database: the same JSON, the same refusals, the changes audited, nothing changed by a
// refused request.
#include <catch2/catch.hpp>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "tests/e2e/api/api_env.hpp"

using namespace sluice;
using api::Role;
using nlohmann::json;
using test::ApiEnv;

namespace {

json post(ApiEnv& e, const std::string& target, const std::string& body, int status,
          Role role = Role::operator_) {
  const auto r = e.call("POST", target, role, body);
  INFO("POST " << target << " " << body << ": " << r.body);
  REQUIRE(r.status == status);
  return json::parse(r.body);
}

}  // namespace

TEST_CASE("a backfill's dry run through the API is the plan `backfill --dry-run` prints",
          "[e2e][api]") {
  ApiEnv e;
  test::run_sql(*e.c,
                "DELETE FROM pipeline_records WHERE window_start_time >= '2024-01-01T20:00:00Z'; "
                "UPDATE pipeline_records SET pipeline_status = 'FAILED' WHERE window_start_time = "
                "'2024-01-01T03:00:00Z'");
  const auto before = test::database_fingerprint(*e.c);
  const auto api = post(e, "/api/v1/pipelines/copy_events/backfills",
                        R"({"from": "2024-01-01", "to": "2024-01-02", "reprocess": "failed",
                            "dry_run": true, "limit": 2})",
                        200);
  const auto cli = e.ctl_json({"backfill", "copy_events", "--from", "2024-01-01", "--to",
                               "2024-01-02", "--reprocess", "failed", "--dry-run", "-n", "2"});
  CHECK(api == cli);
  CHECK(api["counts"]["create"] == 4);
  CHECK(api["counts"]["reset"] == 1);
  CHECK(api["create"].size() == 2);
  CHECK(test::database_fingerprint(*e.c) == before);
}

TEST_CASE(
    "a backfill requested through the API is recorded, audited, listed and shown as "
    "`sluicectl backfills` shows it",
    "[e2e][api]") {
  ApiEnv e;
  const auto r = e.call("POST", "/api/v1/pipelines/history/backfills", Role::operator_,
                        R"({"from": "2023-01-01", "to": "2023-01-02T00:00:00Z"})");
  INFO(r.body);
  REQUIRE(r.status == 202);
  const auto created = json::parse(r.body);
  const auto id = created["id"].get<std::int64_t>();
  CHECK(created["status"] == "PENDING");
  CHECK(created["requested_by"] == "ci");
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers[0].second == "/api/v1/backfills/" + std::to_string(id));
  CHECK(e.count("SELECT count(*) FROM backfill_requests WHERE pipeline_id = 'history' AND "
                "from_time = '2023-01-01T00:00Z' AND to_time = '2023-01-02T00:00Z' AND "
                "reprocess = 'missing' AND requested_by = 'ci'") == 1);
  CHECK(e.count("SELECT count(*) FROM audit_log WHERE actor = 'ci' AND command = 'backfill' AND "
                "pipeline_id = 'history' AND client = '127.0.0.1:40000' AND "
                "(arguments->>'request')::bigint = " +
                std::to_string(id)) == 1);

  const auto cli_id = e.ctl_json({"backfill", "copy_events", "--from", "2024-01-01", "--to",
                                  "2024-01-01T06:00:00Z"})["id"]
                          .get<std::int64_t>();
  const auto listed = e.get("/api/v1/backfills")["backfills"];
  CHECK(listed == e.ctl_json({"backfills", "list"}));
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["id"] == cli_id);  // newest first
  CHECK(e.get("/api/v1/backfills?pipeline=history&open=true")["backfills"] ==
        e.ctl_json({"backfills", "list", "-p", "history", "--open"}));
  const auto newest = e.get("/api/v1/backfills?limit=1")["backfills"];
  CHECK(newest == e.ctl_json({"backfills", "list", "-n", "1"}));
  REQUIRE(newest.size() == 1);
  CHECK(newest[0]["id"] == cli_id);
  const auto shown = e.get("/api/v1/backfills/" + std::to_string(cli_id));
  CHECK(shown == e.ctl_json({"backfills", "show", std::to_string(cli_id)}));
  // Not planned yet: nothing counted. Once planned, the range's 6 windows (they all ran).
  CHECK(shown["progress"]["success"] == 0);
  test::run_sql(*e.c,
                "UPDATE backfill_requests SET status = 'RUNNING', windows_total = 6 WHERE id = " +
                    std::to_string(cli_id));
  const auto planned = e.get("/api/v1/backfills/" + std::to_string(cli_id));
  CHECK(planned == e.ctl_json({"backfills", "show", std::to_string(cli_id)}));
  CHECK(planned["progress"]["success"] == 6);
  CHECK(planned["progress"]["finished"] == 6);
  CHECK(planned["progress"]["rows"] == 12);
}

TEST_CASE(
    "cancelling a backfill withdraws its queued windows, leaves running ones, and "
    "refuses an ended or unknown request",
    "[e2e][api]") {
  ApiEnv e;
  const auto id = e.ctl_json({"backfill", "copy_events", "--from", "2024-01-01", "--to",
                              "2024-01-01T12:00:00Z", "--reprocess", "all", "-y"})["id"]
                      .get<std::int64_t>();
  // As a processor leaves it after planning: RUNNING, its windows reset to PENDING, one of
  // them claimed since; a window outside its range is queued by someone else.
  test::run_sql(*e.c,
                "UPDATE backfill_requests SET status = 'RUNNING', planned_until = to_time, "
                "windows_total = 12 WHERE id = " +
                    std::to_string(id) +
                    "; UPDATE pipeline_records SET pipeline_status = 'PENDING', trigger = "
                    "'backfill' WHERE window_start_time < '2024-01-01T12:00Z' OR "
                    "window_start_time = '2024-01-01T20:00Z'; "
                    "UPDATE pipeline_records SET pipeline_status = 'IN_PROGRESS', dag_run_id = "
                    "'backfill__x', pipeline_locked_at = now() WHERE window_start_time = "
                    "'2024-01-01T05:00Z'");
  const auto done = post(e, "/api/v1/backfills/" + std::to_string(id) + "/cancel",
                         R"({"reason": "wrong range"})", 200);
  CHECK(done["was"] == "RUNNING");
  CHECK(done["withdrawn"] == 11);
  CHECK(done["left_running"] == 1);
  CHECK(e.count("SELECT count(*) FROM pipeline_records") == 13);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE window_start_time = "
                "'2024-01-01T20:00Z' AND pipeline_status = 'PENDING'") == 1);
  CHECK(e.count("SELECT count(*) FROM backfill_requests WHERE status = 'CANCELLED' AND "
                "message = 'cancelled by ci' AND finished_at IS NOT NULL") == 1);
  CHECK(e.count("SELECT count(*) FROM audit_log WHERE actor = 'ci' AND command = 'backfills "
                "cancel' AND message = 'wrong range' AND affected = 11") == 1);

  // Ended: 409, twice over; unknown: 404. Nothing changes.
  const auto fingerprint = test::database_fingerprint(*e.c);
  CHECK(post(e, "/api/v1/backfills/" + std::to_string(id) + "/cancel", "", 409)["field"] == "id");
  CHECK(post(e, "/api/v1/backfills/999999/cancel", "", 404)["field"] == "id");
  const auto cli = e.ctl({"backfills", "cancel", std::to_string(id), "-y"});
  CHECK(cli.exit_code == 2);
  CHECK_THAT(cli.err, Catch::Contains("has ended (CANCELLED)"));
  CHECK(test::database_fingerprint(*e.c) == fingerprint);

  // A PENDING request nobody planned: cancelled by sluicectl, nothing to withdraw.
  const auto pending =
      e.ctl_json({"backfill", "history", "--from", "2023-01-01", "--to", "2023-01-02"})["id"]
          .get<std::int64_t>();
  const auto by_cli = e.ctl_json({"backfills", "cancel", std::to_string(pending), "-y"});
  CHECK(by_cli["was"] == "PENDING");
  CHECK(by_cli["withdrawn"] == 0);
}

TEST_CASE("GET /locks says what `locks list` says", "[e2e][api]") {
  ApiEnv e;
  test::run_sql(*e.c,
                "UPDATE pipeline_records SET pipeline_status = 'IN_PROGRESS', dag_run_id = "
                "'scheduled__x', locked_by = 'host:1', pipeline_locked_at = now(), heartbeat_at "
                "= now() - interval '2 days' WHERE window_start_time IN ('2024-01-01T02:00Z', "
                "'2024-01-01T03:00Z')");
  const auto asked = std::chrono::steady_clock::now();
  auto api = e.get("/api/v1/locks")["locks"];
  auto cli = e.ctl_json({"locks", "list"});
  // Each read its own now(): the ages may differ by the time between the two reads (a
  // sluicectl process under the sanitizers on a loaded machine takes seconds to start).
  const auto between =
      std::chrono::ceil<std::chrono::seconds>(std::chrono::steady_clock::now() - asked).count();
  REQUIRE(api.size() == 2);
  REQUIRE(cli.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(api[i]["lease_age_seconds"].get<std::int64_t>() >= 2 * 86400);
    CHECK(std::abs(api[i]["lease_age_seconds"].get<std::int64_t>() -
                   cli[i]["lease_age_seconds"].get<std::int64_t>()) <= between + 1);
    api[i].erase("lease_age_seconds");
    cli[i].erase("lease_age_seconds");
  }
  CHECK(api == cli);
  CHECK(api[0]["stale"] == true);
  CHECK(api[0]["locked_by"] == "host:1");
  CHECK(e.get("/api/v1/locks?pipeline=history")["locks"].empty());
}

TEST_CASE("GET /audit-log pages through the audit log newest first, for admins only",
          "[e2e][api]") {
  ApiEnv e;
  for (int i = 0; i < 3; ++i) {
    post(e, "/api/v1/pipelines/copy_events/pause", "{}", 200);
    post(e, "/api/v1/pipelines/copy_events/unpause", "{}", 200);
  }
  CHECK(e.call("GET", "/api/v1/audit-log", Role::operator_).status == 403);
  const auto first = e.get("/api/v1/audit-log?limit=4&actor=ci", Role::admin);
  REQUIRE(first["entries"].size() == 4);
  CHECK(first["entries"][0]["command"] == "unpause");
  CHECK(first["entries"][0]["client"] == "127.0.0.1:40000");
  const auto top = e.count("SELECT max(id) FROM audit_log WHERE actor = 'ci'");
  CHECK(first["entries"][0]["id"] == top);
  const auto next = first["next_before"].get<std::int64_t>();
  const auto second =
      e.get("/api/v1/audit-log?limit=4&actor=ci&before=" + std::to_string(next), Role::admin);
  CHECK(second["entries"].size() == 2);
  CHECK(second["next_before"].is_null());
  CHECK(e.get("/api/v1/audit-log?pipeline=history", Role::admin)["entries"].empty());
}

TEST_CASE("GET /connections shows them redacted, and POST .../test is `connections test`",
          "[e2e][api]") {
  ApiEnv e;
  CHECK(e.call("GET", "/api/v1/connections", Role::operator_).status == 403);
  const auto list = e.get("/api/v1/connections", Role::admin)["connections"];
  REQUIRE(list.size() == 2);
  CHECK(list[1]["connection"] == "vault");
  CHECK(list[1]["kind"] == "postgres");
  CHECK(list[1]["config"]["port"] == 1);

  auto ok = post(e, "/api/v1/connections/db/test", "", 200, Role::admin);
  auto cli = e.ctl({"-o", "json", "connections", "test", "db"});
  REQUIRE(cli.exit_code == 0);
  auto cli_item = json::parse(cli.out)[0];
  // The message names the database each process resolved ${env:...} to: the rest is the same.
  for (auto* item : {&ok, &cli_item}) {
    item->erase("milliseconds");
    item->erase("message");
  }
  CHECK(ok == cli_item);
  CHECK(ok["state"] == "ok");

  const auto failed = post(e, "/api/v1/connections/vault/test", "", 200, Role::admin);
  CHECK(failed["state"] == "failed");
  CHECK(failed["error_kind"] == "retryable");
  const auto unknown = post(e, "/api/v1/connections/vaul/test", "", 404, Role::admin);
  CHECK(unknown["field"] == "name");
  CHECK(unknown["suggestion"] == "vault");
}

TEST_CASE(
    "bad input to the backfill, lock, audit-log and connection routes is refused, "
    "naming the field, and changes nothing",
    "[e2e][api]") {
  ApiEnv e;
  const std::string b = "/api/v1/pipelines/copy_events/backfills";
  const std::vector<test::Refusal> cases{
      {"POST", b, "{}", 400, "from"},
      {"POST", b, R"({"from": "2024-01-01"})", 400, "to"},
      {"POST", b, R"({"from": "soon", "to": "2024-01-02"})", 400, "from"},
      {"POST", b, R"({"from": "2024-01-02", "to": "2024-01-01"})", 400, "to"},
      // Daily windows to 9999: over scheduler.backfill_max_windows, counted without making them.
      {"POST", "/api/v1/pipelines/hooked/backfills",
       R"({"from": "2024-01-01", "to": "9999-12-31"})", 400, "to"},
      {"POST", b, R"({"from": "2024-01-01", "to": "2024-01-02", "reprocess": "some"})", 400,
       "reprocess"},
      {"POST", b, R"({"from": "2024-01-01", "to": "2024-01-02", "dry_run": "yes"})", 400,
       "dry_run"},
      {"POST", b, R"({"from": "2024-01-01", "to": "2024-01-02", "limit": 5})", 400, "limit"},
      {"POST", b, R"({"from": "2024-01-01", "to": "2024-01-02", "dryrun": true})", 400, "dryrun"},
      {"POST", b, R"({"from": 20240101, "to": "2024-01-02"})", 400, "from"},
      {"POST", b, R"({"from": "2024-01-01", "to": "2024-01-02"})", 415, "Content-Type",
       "text/plain"},
      {"POST", b, "[1, 2]", 400, "body"},
      {"POST", "/api/v1/pipelines/copy_event/backfills",
       R"({"from": "2024-01-01", "to": "2024-01-02"})", 404, "pipeline"},
      {"GET", "/api/v1/backfills?open=maybe", "", 400, "open"},
      {"GET", "/api/v1/backfills?limit=0", "", 400, "limit"},
      {"GET", "/api/v1/backfills?pipeline=nope", "", 404, "pipeline"},
      {"GET", "/api/v1/backfills?state=open", "", 400, "state"},
      {"GET", "/api/v1/backfills/abc", "", 400, "id"},
      {"GET", "/api/v1/backfills/-1", "", 400, "id"},
      {"GET", "/api/v1/backfills/999999", "", 404, "id"},
      {"POST", "/api/v1/backfills/999999/cancel", "", 404, "id"},
      {"POST", "/api/v1/backfills/1/cancel", R"({"reason": ["x"]})", 400, "reason"},
      {"GET", "/api/v1/locks?pipeline=nope", "", 404, "pipeline"},
      {"GET", "/api/v1/locks?stale=true", "", 400, "stale"},
      {"GET", "/api/v1/audit-log?before=0", "", 400, "before"},
      {"GET", "/api/v1/audit-log?limit=5000", "", 400, "limit"},
      {"GET", "/api/v1/audit-log?pipeline=copy_event", "", 404, "pipeline"},
      {"GET", "/api/v1/connections?x=1", "", 400, "x"},
      {"POST", "/api/v1/connections/nope/test", "", 404, "name"},
  };
  test::check_refusals(e, cases);
}
