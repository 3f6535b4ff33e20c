// The catalog routes on a real database, through the API's handler: definitions refused with
// every error at its line and column and nothing stored; versions, If-Match and rollback;
// the roles; the audit log; "Run now".
#include <catch2/catch.hpp>

#include <future>

#include "tests/e2e/api/api_env.hpp"

using namespace sluice;
using namespace sluice::test;

namespace {

const std::string kValid =
    "# orders, copied hourly\n"
    "id: orders\n"
    "source:\n  connection: db\n  table: src\n  time_column: event_time\n"
    "target:\n  connection: db\n  table: dst\n"
    "window:\n  granularity: 1h\n  start_date: \"2024-01-01\"\n  end_date: \"2024-01-02\"\n";

api::Response post(ApiEnv& e, const std::string& text, Role role = Role::admin,
                   const std::string& type = "application/yaml") {
  return e.call("POST", "/api/v1/pipelines", role, text, type);
}

api::Response put(ApiEnv& e, const std::string& text, const std::string& if_match) {
  auto r = test::call(*e.api, "PUT", "/api/v1/pipelines/orders", Role::admin, text,
                      "application/yaml", if_match);
  e.answers.push_back(r.body);
  return r;
}

json first_error(const api::Response& r) {
  const auto p = json::parse(r.body);
  REQUIRE(p.contains("errors"));
  REQUIRE_FALSE(p["errors"].empty());
  return p["errors"][0];
}

std::int64_t definitions(const ApiEnv& e) {
  return e.count("SELECT count(*) FROM pipeline_definitions");
}

}  // namespace

TEST_CASE(
    "a definition that does not validate is refused with its line and column, and nothing "
    "is stored",
    "[e2e][api][catalog]") {
  ApiEnv e;
  const auto before = database_fingerprint(*e.c);

  const auto syntax = post(e, "id: orders\nsource: [db\n");
  INFO(syntax.body);
  CHECK(syntax.status == 422);
  CHECK(first_error(syntax)["line"] >= 2);

  auto unknown_key = kValid + "max_activ_windows: 2\n";
  const auto key = post(e, unknown_key);
  INFO(key.body);
  CHECK(key.status == 422);
  CHECK(json::parse(key.body)["title"] == "Unprocessable Content");
  CHECK(first_error(key)["line"] == 14);
  CHECK(first_error(key)["column"] == 1);
  CHECK(first_error(key)["message"].get<std::string>().find("max_active_windows") !=
        std::string::npos);

  std::string typo = kValid;
  typo.replace(typo.find("connection: db\n  table: dst"), 14, "connection: dbb");
  const auto connection = post(e, typo);
  INFO(connection.body);
  CHECK(connection.status == 422);
  CHECK(first_error(connection)["line"] == 8);
  CHECK(first_error(connection)["field"] == "target.connection");
  CHECK(first_error(connection)["message"].get<std::string>().find("did you mean 'db'") !=
        std::string::npos);

  // copy_events is a file's: refused where the catalog would take it, naming the file.
  std::string taken = kValid;
  taken.replace(taken.find("id: orders"), 10, "id: copy_events");
  const auto clash = post(e, taken);
  INFO(clash.body);
  CHECK(clash.status == 409);
  CHECK(json::parse(clash.body)["detail"].get<std::string>().find("copy_events.yaml:") !=
        std::string::npos);

  // JSON is the same document; its errors are placed in the JSON text.
  const auto as_json = post(e, "{\"id\": \"orders\",\n \"source\": {\"connection\": \"nope\"}}",
                            Role::admin, "application/json");
  CHECK(as_json.status == 422);

  CHECK(post(e, kValid, Role::viewer).status == 403);
  CHECK(post(e, kValid, Role::operator_).status == 403);
  CHECK(post(e, kValid, Role::admin, "text/plain").status == 415);
  CHECK(post(e, std::string("id: orders\nnote: \"\xff\"\n")).status == 422);
  CHECK(database_fingerprint(*e.c) == before);
  CHECK(definitions(e) == 0);

  // The same checks without storing: 200 with the verdict.
  const auto checked =
      e.call("POST", "/api/v1/pipelines/validate", Role::admin, typo, "application/yaml");
  REQUIRE(checked.status == 200);
  CHECK(json::parse(checked.body)["valid"] == false);
  CHECK(definitions(e) == 0);
}

TEST_CASE("catalog versions: If-Match, rollback to the exact text, delete, audit rows",
          "[e2e][api][catalog]") {
  ApiEnv e;
  const auto created = post(e, kValid);
  INFO(created.body);
  REQUIRE(created.status == 201);
  CHECK(json::parse(created.body)["version"] == 1);
  CHECK(post(e, kValid).status == 409);  // it exists: update it instead

  std::string longer = kValid;
  longer.replace(longer.find("2024-01-02"), 10, "2024-01-03");
  const auto unconditional = put(e, longer, "");
  CHECK(unconditional.status == 428);
  CHECK(json::parse(unconditional.body)["title"] == "Precondition Required");
  CHECK(put(e, longer, "nonsense").status == 400);
  const auto v2 = put(e, longer, "\"1\"");
  INFO(v2.body);
  REQUIRE(v2.status == 200);
  CHECK(json::parse(v2.body)["version"] == 2);
  const auto stale = put(e, kValid, "\"1\"");
  CHECK(stale.status == 412);
  CHECK(json::parse(stale.body)["title"] == "Precondition Failed");
  CHECK(stale.headers.end() != std::find(stale.headers.begin(), stale.headers.end(),
                                         std::pair<std::string, std::string>{"ETag", "\"2\""}));
  std::string renamed = longer;
  renamed.replace(renamed.find("id: orders"), 10, "id: other");
  CHECK(put(e, renamed, "\"2\"").status == 400);

  // Two updates from version 2 at once, each on its own connection: one wins.
  auto from_two = [&](const std::string& text) {
    TestServices own(e.api->config(), e.db.url(), e.api->now());
    return test::call(own, "PUT", "/api/v1/pipelines/orders", Role::admin, text, "application/yaml",
                      "\"2\"")
        .status;
  };
  auto a = std::async(std::launch::async, from_two, kValid + "# a\n");
  auto b = std::async(std::launch::async, from_two, kValid + "# b\n");
  const int sa = a.get(), sb = b.get();
  CHECK(std::min(sa, sb) == 200);
  CHECK(std::max(sa, sb) == 412);

  const auto back =
      e.call("POST", "/api/v1/pipelines/orders/rollback", Role::admin, R"({"to": 1})");
  INFO(back.body);
  REQUIRE(back.status == 200);
  CHECK(json::parse(back.body)["version"] == 4);
  CHECK(e.get("/api/v1/pipelines/orders/versions/4")["yaml"] == kValid);
  CHECK(
      e.call("POST", "/api/v1/pipelines/orders/rollback", Role::operator_, R"({"to": 1})").status ==
      403);
  CHECK(e.call("POST", "/api/v1/pipelines/orders/rollback", Role::admin, R"({"to": 99})").status ==
        404);

  CHECK(e.call("DELETE", "/api/v1/pipelines/orders", Role::operator_).status == 403);
  CHECK(e.call("DELETE", "/api/v1/pipelines/copy_events", Role::admin).status == 409);
  const auto gone = e.call("DELETE", "/api/v1/pipelines/orders", Role::admin);
  REQUIRE(gone.status == 200);
  CHECK(e.call("DELETE", "/api/v1/pipelines/orders", Role::admin).status == 404);
  const auto versions = e.get("/api/v1/pipelines/orders/versions")["versions"];
  REQUIRE(versions.size() == 5);
  CHECK(versions[0]["deleted"] == true);
  CHECK(versions[0]["version"] == 5);
  CHECK(versions[4]["created_by"] == "root");

  // A deleted pipeline comes back by a rollback.
  CHECK(e.call("POST", "/api/v1/pipelines/orders/rollback", Role::admin, R"({"to": 5})").status ==
        400);
  CHECK(e.call("POST", "/api/v1/pipelines/orders/rollback", Role::admin, R"({"to": 2})").status ==
        200);

  CHECK(e.count("SELECT count(*) FROM audit_log WHERE pipeline_id = 'orders' AND actor = 'root' "
                "AND command IN ('pipeline create', 'pipeline update', 'pipeline rollback', "
                "'pipeline delete')") == 6);
}

TEST_CASE("Run now makes one manual window, and asked twice no second one",
          "[e2e][api][catalog][trigger]") {
  ApiEnv e;
  // 2024-01-01T05:00 cleared: Run now for the window holding 05:20 creates it.
  run_sql(*e.c, "DELETE FROM pipeline_events WHERE record_id = " +
                    std::to_string(e.id_at("2024-01-01T05:00:00Z")) +
                    "; DELETE FROM pipeline_records WHERE pipeline_id = 'copy_events' AND "
                    "window_start_time = '2024-01-01T05:00Z'");
  const std::string body = R"({"window": "2024-01-01T05:20:00Z"})";
  CHECK(e.call("POST", "/api/v1/pipelines/copy_events/trigger", Role::viewer, body).status == 403);
  const auto first = e.call("POST", "/api/v1/pipelines/copy_events/trigger", Role::operator_, body);
  INFO(first.body);
  REQUIRE(first.status == 201);
  CHECK(json::parse(first.body)["action"] == "created");
  CHECK(json::parse(first.body)["window_start"] == "2024-01-01T05:00:00Z");
  const auto again = e.call("POST", "/api/v1/pipelines/copy_events/trigger", Role::operator_, body);
  REQUIRE(again.status == 200);
  CHECK(json::parse(again.body)["action"] == "queued");
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE trigger = 'manual'") == 1);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'copy_events'") == 24);

  // Without a window: the newest complete one (the day's last), reset from SUCCESS.
  const auto newest = e.call("POST", "/api/v1/pipelines/copy_events/trigger", Role::operator_, "");
  INFO(newest.body);
  REQUIRE(newest.status == 200);
  CHECK(json::parse(newest.body)["action"] == "reset");
  CHECK(json::parse(newest.body)["window_start"] == "2024-01-01T23:00:00Z");
  CHECK(e.call("POST", "/api/v1/pipelines/copy_events/trigger", Role::operator_, "").status == 200);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE trigger = 'manual'") == 2);
  CHECK(e.count("SELECT count(*) FROM audit_log WHERE command = 'trigger' AND actor = 'ci'") == 4);

  // Refused: outside the pipeline's windows, not a time, not complete.
  CHECK(e.call("POST", "/api/v1/pipelines/copy_events/trigger", Role::operator_,
               R"({"window": "2023-06-01T00:00:00Z"})")
            .status == 400);
  CHECK(e.call("POST", "/api/v1/pipelines/copy_events/trigger", Role::operator_,
               R"({"window": "soon"})")
            .status == 400);
  CHECK(e.call("POST", "/api/v1/pipelines/nope/trigger", Role::operator_, "").status == 404);
}
