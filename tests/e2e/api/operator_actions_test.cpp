// The API's side of the G3 operator actions: POST /records/mark-success as `sluicectl
// mark-success`, and `"force": true` on rerun and on a backfill of reprocess all; refusals
// name the field and change nothing.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/e2e/api/api_env.hpp"

using namespace sluice;
using api::Role;
using nlohmann::json;

namespace {

void fail_window(test::ApiEnv& e, const std::string& start) {
  test::run_sql(*e.c,
                "UPDATE pipeline_records SET pipeline_status = 'FAILED', audit_result = 'FAIL' "
                "WHERE pipeline_id = 'copy_events' AND window_start_time = '" +
                    start + "'");
}

}  // namespace

TEST_CASE("POST /records/mark-success accepts a FAILED window as the CLI does, for operators",
          "[e2e][api][mark_success]") {
  test::ApiEnv e;
  fail_window(e, "2024-01-01T05:00Z");
  const std::string body =
      R"({"pipeline": "copy_events", "window": "2024-01-01T05:10:00Z", "reason": "checked"})";
  CHECK(e.call("POST", "/api/v1/records/mark-success", Role::viewer, body).status == 403);
  const auto r = e.call("POST", "/api/v1/records/mark-success", Role::operator_, body);
  INFO(r.body);
  REQUIRE(r.status == 200);
  const auto id = e.id_at("2024-01-01T05:00Z");
  CHECK(json::parse(r.body) == json{{"id", id},
                                    {"pipeline", "copy_events"},
                                    {"window_start", "2024-01-01T05:00:00Z"},
                                    {"status", "SUCCESS"},
                                    {"audit_result", "ACCEPTED"}});
  CHECK(e.count("SELECT count(*) FROM audit_log WHERE actor = 'ci' AND command = 'mark-success' "
                "AND client = '127.0.0.1:40000' AND affected = 1 AND message = 'checked'") == 1);
  CHECK(e.count("SELECT count(*) FROM pipeline_events WHERE record_id = " + std::to_string(id) +
                " AND outcome = 'ACCEPTED' AND message = 'accepted by ci: checked'") == 1);
  // The records page says ACCEPTED as `records list` does.
  const auto page = e.get(
      "/api/v1/records?pipeline=copy_events&from=2024-01-01T05:00:00Z&to=2024-01-01T06:00:00Z");
  REQUIRE(page["records"].size() == 1);
  CHECK(page["records"][0]["audit_result"] == "ACCEPTED");
  CHECK(page["records"] == e.ctl_json({"records", "list", "-p", "copy_events", "--from",
                                       "2024-01-01T05:00:00Z", "--to", "2024-01-01T06:00:00Z"}));

  fail_window(e, "2024-01-01T07:00Z");
  const auto at = [](const std::string& window, const std::string& reason) {
    return R"({"pipeline": "copy_events", "window": ")" + window + R"(", "reason": )" + reason +
           "}";
  };
  test::check_refusals(
      e,
      {
          {"POST", "/api/v1/records/mark-success", at("2024-01-01T05:00:00Z", "\"again\""), 409,
           "window"},
          {"POST", "/api/v1/records/mark-success", at("2024-01-01T03:00:00Z", "\"r\""), 409,
           "window"},
          {"POST", "/api/v1/records/mark-success",
           R"({"pipeline": "copy_events", "window": "2024-01-01T07:00:00Z"})", 400, "reason"},
          {"POST", "/api/v1/records/mark-success", at("2024-01-01T07:00:00Z", "\"  \""), 400,
           "reason"},
          {"POST", "/api/v1/records/mark-success",
           at("2024-01-01T07:00:00Z", "\"" + std::string(1001, 'x') + "\""), 400, "reason"},
          {"POST", "/api/v1/records/mark-success", at("2024-01-01T07:00:00Z", "42"), 400, "reason"},
          {"POST", "/api/v1/records/mark-success",
           R"({"pipeline": "copy_events", "window": "2024-01-01T07:00:00Z", "reason": "r", "force": true})",
           400, "force"},
          {"POST", "/api/v1/records/mark-success", at("2025-01-01", "\"r\""), 404, "window"},
          {"POST", "/api/v1/records/mark-success", at("not a time", "\"r\""), 400, "window"},
          {"POST", "/api/v1/records/mark-success",
           R"({"pipeline": "copy_event", "window": "2024-01-01T07:00:00Z", "reason": "r"})", 404,
           "pipeline"},
          {"POST", "/api/v1/records/mark-success", R"({"window": "2024-01-01", "reason": "r"})",
           400, "pipeline"},
      });
}

TEST_CASE("rerun and backfills take \"force\" through the API, clear does not",
          "[e2e][api][force]") {
  test::ApiEnv e;
  test::check_refusals(
      e, {
             {"POST", "/api/v1/records/clear",
              R"({"pipeline": "copy_events", "window": ["2024-01-01T05:00:00Z"], "force": true})",
              400, "force"},
             {"POST", "/api/v1/records/rerun",
              R"({"pipeline": "copy_events", "window": ["2024-01-01T05:00:00Z"], "force": 1})", 400,
              "force"},
             {"POST", "/api/v1/pipelines/copy_events/backfills",
              R"({"from": "2024-01-01", "to": "2024-01-02", "force": true})", 400, "force"},
             {"POST", "/api/v1/pipelines/copy_events/backfills",
              R"({"from": "2024-01-01", "to": "2024-01-02", "reprocess": "failed", "force": true})",
              400, "force"},
         });
  const auto r =
      e.call("POST", "/api/v1/records/rerun", Role::operator_,
             R"({"pipeline": "copy_events", "window": ["2024-01-01T05:00:00Z"], "force": true})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["changed"] == 1);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE force_reload AND pipeline_status = "
                "'PENDING'") == 1);
  CHECK(e.count("SELECT count(*) FROM audit_log WHERE command = 'rerun' AND "
                "(arguments->>'force')::boolean") == 1);
  const auto b = e.call("POST", "/api/v1/pipelines/copy_events/backfills", Role::operator_,
                        R"({"from": "2024-01-01", "to": "2024-01-02", "reprocess": "all",
                            "force": true})");
  INFO(b.body);
  REQUIRE(b.status == 202);
  CHECK(json::parse(b.body)["force"] == true);
  CHECK(e.count("SELECT count(*) FROM backfill_requests WHERE force AND reprocess = 'all'") == 1);
  const auto plan = e.call("POST", "/api/v1/pipelines/copy_events/backfills", Role::operator_,
                           R"({"from": "2024-01-01", "to": "2024-01-02", "reprocess": "all",
                               "force": true, "dry_run": true})");
  REQUIRE(plan.status == 200);
  CHECK(json::parse(plan.body)["force"] == true);
}
