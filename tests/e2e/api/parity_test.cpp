// The API against sluicectl on the same database: the same rows, the same JSON, the same
// refusals, and a refused request changes nothing. Requests go through api::handle on this
// process's threads (the socket layer has its own tests in tests/e2e/daemon/http_test.cpp).
#include <catch2/catch.hpp>

#include <chrono>

#include <nlohmann/json.hpp>

#include "tests/e2e/api/api_env.hpp"

using namespace sluice;
using api::Role;
using nlohmann::json;

namespace {

using test::ApiEnv;
using test::kHookSecret;

json without_lateness(json list) {
  for (auto& item : list) item.erase("lateness_seconds");
  return list;
}

}  // namespace

TEST_CASE("GET /pipelines says what `sluicectl status` says", "[e2e][api]") {
  ApiEnv e;
  test::run_sql(*e.c,
                "UPDATE pipeline_records SET pipeline_status = 'FAILED' WHERE window_start_time = "
                "'2024-01-01T05:00:00Z'");
  const auto api = e.get("/api/v1/pipelines")["pipelines"];
  const auto cli = e.ctl_json({"status"});
  CHECK(without_lateness(api) == without_lateness(cli));
  REQUIRE(api.size() == 3);
  CHECK(api[0]["pipeline"] == "copy_events");
  CHECK(api[0]["failed"] == 1);
  CHECK(api[0]["succeeded"] == 23);
  CHECK(api[0]["lateness_seconds"].get<std::int64_t>() > 0);  // 2024 is long gone
  // One pipeline, and the tag filter (no pipeline here is tagged).
  CHECK(e.get("/api/v1/pipelines/copy_events")["backlog"] == cli[0]["backlog"]);
  CHECK(e.get("/api/v1/pipelines?tag=nightly")["pipelines"].empty());
}

TEST_CASE("GET /graph says what `sluicectl graph -o json` says, to a viewer", "[e2e][api][graph]") {
  ApiEnv e;
  const auto api = e.get("/api/v1/graph", Role::viewer);
  CHECK(api == e.ctl_json({"graph"}));
  REQUIRE(api["pipelines"].size() == 3);
  CHECK(api["pipelines"][0]["id"] == "copy_events");
  CHECK(api["pipelines"][0]["level"] == 0);
  CHECK(api["pipelines"][0]["granularity"] == "1h");
  // Each pipeline reads src and writes dst on `db`: an unqualified name is in `public`.
  CHECK(api["tables"] == json::parse(R"([
    {"id": "db:public.dst", "connection": "db", "name": "public.dst"},
    {"id": "db:public.src", "connection": "db", "name": "public.src"}])"));
  REQUIRE(api["edges"].size() == 6);
  CHECK(api["edges"][0] == json::parse(R"({"kind": "reads", "from": "db:public.src",
                                           "to": "copy_events"})"));
  CHECK(api["edges"][3] == json::parse(R"({"kind": "writes", "from": "copy_events",
                                           "to": "db:public.dst"})"));
  const auto refused = e.call("GET", "/api/v1/graph?level=1", Role::viewer);
  CHECK(refused.status == 400);
  CHECK(json::parse(refused.body)["field"] == "level");
}

TEST_CASE("GET /pipelines/{id} has the redacted config, next fires and next windows",
          "[e2e][api]") {
  ApiEnv e;
  const auto p = e.get("/api/v1/pipelines/hooked");
  CHECK(p["pipeline"] == "hooked");
  CHECK(p["config"]["source"]["table"] == "src");
  CHECK(p["next_fires"].size() == 5);
  CHECK(p["next_windows"].size() == 5);
  CHECK(p["next_windows"][0]["window_start"] == "2024-01-01T00:00:00+00:00");
  CHECK(p.dump().find(kHookSecret) == std::string::npos);
}

TEST_CASE("GET /records and /records/{id} say what `records list` and `records show` say",
          "[e2e][api]") {
  ApiEnv e;
  const auto cli =
      e.ctl_json({"records", "list", "-p", "copy_events", "--from", "2024-01-01T03:00:00Z", "--to",
                  "2024-01-01T09:00:00Z", "--status", "SUCCESS"});
  const auto api = e.get(
      "/api/v1/records?pipeline=copy_events&from=2024-01-01T03:00:00Z&to=2024-01-01T09:00:00Z&"
      "status=SUCCESS");
  CHECK(api["records"] == cli);
  CHECK(api["records"].size() == 6);
  CHECK(api["next_cursor"].is_null());

  const auto id = e.id_at("2024-01-01T04:00:00Z");
  const auto shown = e.ctl_json({"records", "show", std::to_string(id)});
  CHECK(e.get("/api/v1/records/" + std::to_string(id)) == shown);
}

TEST_CASE("GET /records pages with a cursor through every record once", "[e2e][api]") {
  ApiEnv e;
  const auto all = e.ctl_json({"records", "list", "--limit", "1000"});
  REQUIRE(all.size() == 24);
  json paged = json::array();
  std::string target = "/api/v1/records?limit=7";
  int pages = 0;
  while (true) {
    const auto page = e.get(target);
    for (const auto& r : page["records"]) paged.push_back(r);
    ++pages;
    if (page["next_cursor"].is_null()) break;
    target = "/api/v1/records?limit=7&cursor=" + page["next_cursor"].get<std::string>();
    REQUIRE(pages < 10);
  }
  CHECK(pages == 4);
  CHECK(paged == all);
}

TEST_CASE(
    "rerun, clear and release through the API change what the CLI would, audited with "
    "the token's name and the client",
    "[e2e][api]") {
  ApiEnv e;
  const auto running = e.id_at("2024-01-01T02:00:00Z");
  test::run_sql(*e.c,
                "UPDATE pipeline_records SET pipeline_status = 'IN_PROGRESS', "
                "dag_run_id = 'scheduled__x', pipeline_locked_at = now() WHERE id = " +
                    std::to_string(running));
  const auto r =
      e.call("POST", "/api/v1/records/rerun", Role::operator_,
             R"({"pipeline": "copy_events", "from": "2024-01-01", "to": "2024-01-01T04:00:00Z"})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  const auto answer = json::parse(r.body);
  CHECK(answer["changed"] == 3);
  CHECK(answer["left_alone"] == 1);  // the running one
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING'") == 3);
  CHECK(e.count("SELECT count(*) FROM audit_log WHERE actor = 'ci' AND command = 'rerun' AND "
                "client = '127.0.0.1:40000' AND affected = 3") == 1);

  const auto cleared = e.call("POST", "/api/v1/records/clear", Role::operator_,
                              R"({"pipeline": "copy_events", "window": ["2024-01-01T05:30:00Z"]})");
  INFO(cleared.body);
  REQUIRE(cleared.status == 200);
  CHECK(json::parse(cleared.body)["changed"] == 1);
  CHECK(e.count("SELECT count(*) FROM pipeline_records") == 23);

  const auto released =
      e.call("POST", "/api/v1/records/" + std::to_string(running) + "/release", Role::operator_);
  INFO(released.body);
  REQUIRE(released.status == 200);
  CHECK(e.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'IN_PROGRESS'") ==
        0);
  // Released again: it is no longer locked.
  CHECK(e.call("POST", "/api/v1/records/" + std::to_string(running) + "/release").status == 409);
}

TEST_CASE("pause and unpause through the API are what the CLI's pause does", "[e2e][api]") {
  ApiEnv e;
  auto r = e.call("POST", "/api/v1/pipelines/copy_events/pause", Role::operator_,
                  R"({"reason": "maintenance"})");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["changed"] == true);
  CHECK(e.ctl_json({"status", "copy_events"})[0]["paused"] == true);
  r = e.call("POST", "/api/v1/pipelines/copy_events/pause", Role::operator_);
  CHECK(json::parse(r.body)["changed"] == false);
  r = e.call("POST", "/api/v1/pipelines/copy_events/unpause", Role::operator_);
  CHECK(json::parse(r.body)["paused"] == false);
  CHECK(e.count("SELECT count(*) FROM audit_log WHERE actor = 'ci' AND command = 'pause' AND "
                "message = 'maintenance'") == 1);
}

TEST_CASE(
    "bad input to every route with parameters or a body is refused, naming the field, "
    "and changes nothing",
    "[e2e][api]") {
  ApiEnv e;
  const std::string id = std::to_string(e.id_at("2024-01-01T01:00:00Z"));
  const std::vector<test::Refusal> cases{
      {"GET", "/api/v1/pipelines?tags=x", "", 400, "tags"},
      {"GET", "/api/v1/pipelines/copy_event", "", 404, "pipeline"},
      {"GET", "/api/v1/pipelines/copy_events?x=1", "", 400, "x"},
      {"GET", "/api/v1/records?limit=0", "", 400, "limit"},
      {"GET", "/api/v1/records?limit=ten", "", 400, "limit"},
      {"GET", "/api/v1/records?status=DONE", "", 400, "status"},
      {"GET", "/api/v1/records?from=yesterday", "", 400, "from"},
      {"GET", "/api/v1/records?pipeline=copy_events&from=2024-01-02&to=2024-01-01", "", 400, "to"},
      {"GET", "/api/v1/records?trigger=cron", "", 400, "trigger"},
      {"GET", "/api/v1/records?cursor=zz", "", 400, "cursor"},
      {"GET", "/api/v1/records?pipeline=nope", "", 404, "pipeline"},
      {"GET", "/api/v1/records?from=%ZZ", "", 400, "from"},
      {"GET", "/api/v1/records/abc", "", 400, "id"},
      {"GET", "/api/v1/records/0", "", 400, "id"},
      {"GET", "/api/v1/records/99999999", "", 404, "id"},
      {"POST", "/api/v1/records/rerun", "{", 400, "body"},
      {"POST", "/api/v1/records/rerun", "[]", 400, "body"},
      {"POST", "/api/v1/records/rerun", R"({"pipeline": 7})", 400, "pipeline"},
      {"POST", "/api/v1/records/rerun", R"({"from": "2024-01-01"})", 400, "pipeline"},
      {"POST", "/api/v1/records/rerun", R"({"pipeline": "copy_events", "form": "x"})", 400, "form"},
      {"POST", "/api/v1/records/rerun", R"({"pipeline": "copy_events", "from": "2024-13-01"})", 400,
       "from"},
      {"POST", "/api/v1/records/rerun",
       R"({"pipeline": "copy_events", "from": "2024-01-02", "to": "2024-01-01"})", 400, "to"},
      {"POST", "/api/v1/records/rerun", R"({"pipeline": "copy_events", "id": ["1"]})", 400, "id"},
      {"POST", "/api/v1/records/rerun", R"({"pipeline": "copy_events", "only_failed": "yes"})", 400,
       "only_failed"},
      {"POST", "/api/v1/records/rerun", R"({"pipeline": "copy_events", "window": ["2030-01-01"]})",
       404, "window"},
      {"POST", "/api/v1/records/rerun", R"({"pipeline": "copy_events"})", 415, "Content-Type",
       "text/plain"},
      {"POST", "/api/v1/records/clear", R"({"pipeline": "copy_evnts"})", 404, "pipeline"},
      {"POST", "/api/v1/records/" + id + "/release", "", 409, ""},
      {"POST", "/api/v1/records/" + id + "/release", R"({"reason": 1})", 400, "reason"},
      {"POST", "/api/v1/pipelines/copy_events/pause", R"({"why": "x"})", 400, "why"},
      {"POST", "/api/v1/pipelines/nope/pause", "", 404, "pipeline"},
  };
  test::check_refusals(e, cases);
}

TEST_CASE("no answer of the API shows a token or a secret of the config", "[e2e][api]") {
  ApiEnv e;
  for (const auto& route : api::routes()) {
    std::string target(route.pattern);
    if (const auto at = target.find("{id}"); at != std::string::npos)
      target.replace(at, 4,
                     route.pattern.find("pipelines") != std::string_view::npos
                         ? "hooked"
                         : std::to_string(e.id_at("2024-01-01T07:00:00Z")));
    if (const auto at = target.find("{name}"); at != std::string::npos)
      target.replace(at, 6, "vault");
    for (const Role role : {Role::none, Role::viewer, Role::admin})
      e.call(std::string(route.method), target, role, route.method == "POST" ? "{}" : "");
  }
  e.call("GET", "/api/v1/pipelines?tag=" + std::string(test::kAdminToken));
  REQUIRE(e.answers.size() > 20);
  for (const auto& body : e.answers) {
    INFO(body);
    for (const char* secret : {test::kViewerToken, test::kOperatorToken, test::kAdminToken,
                               kHookSecret, test::kConnectionSecret})
      CHECK(body.find(secret) == std::string::npos);
  }
}
