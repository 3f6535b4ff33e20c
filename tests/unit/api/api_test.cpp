// The API's front door (daemon/api/api.*, router.*) without a database: routes, methods,
// tokens and roles, and problem+json for every refusal. The database is out of reach here,
// so a request that gets past the door is answered 503 (or a 4xx it earns first).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/api_services.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using api::Role;

namespace {

using Env = test::OfflineApi;

nlohmann::json body_of(const api::Response& r) {
  return nlohmann::json::parse(r.body);
}

// `{id}` and `{name}` filled in: a pipeline that exists, a record id, a connection name.
std::string target_of(std::string_view pattern) {
  std::string t(pattern);
  if (const auto at = t.find("{id}"); at != std::string::npos)
    t.replace(at, 4, pattern.find("pipelines") != std::string_view::npos ? "events" : "1");
  if (const auto at = t.find("{name}"); at != std::string::npos) t.replace(at, 6, "db");
  return t;
}

}  // namespace

TEST_CASE("/healthz answers without a token", "[api]") {
  Env e;
  const auto r = test::call(e.services, "GET", "/healthz", Role::none);
  CHECK(r.status == 200);
  CHECK(body_of(r)["status"] == "ok");
  CHECK(r.route == "/healthz");
}

TEST_CASE("an unknown path is 404 and a known one under another method 405 with Allow", "[api]") {
  Env e;
  const auto missing = test::call(e.services, "GET", "/api/v1/nothing");
  CHECK(missing.status == 404);
  CHECK(missing.content_type == "application/problem+json");
  const auto p = body_of(missing);
  CHECK(p["type"] == "about:blank");
  CHECK(p["title"] == "Not Found");
  CHECK(p["status"] == 404);
  CHECK(p["instance"] == "/api/v1/nothing");

  const auto wrong = test::call(e.services, "DELETE", "/api/v1/pipelines");
  CHECK(wrong.status == 405);
  REQUIRE(wrong.headers.size() == 1);
  CHECK(wrong.headers[0] == std::pair<std::string, std::string>{"Allow", "GET, POST"});
  const auto post_only = test::call(e.services, "GET", "/api/v1/pipelines/events/pause");
  CHECK(post_only.status == 405);
  CHECK(post_only.headers.at(0).second == "POST");
}

TEST_CASE("no token and a wrong token are 401 on every route that needs one", "[api][auth]") {
  Env e;
  for (const auto& route : api::routes()) {
    if (route.role == Role::none) continue;
    INFO(route.method << " " << route.pattern);
    const auto target = target_of(route.pattern);
    CHECK(test::call(e.services, std::string(route.method), target, Role::none).status == 401);
    const auto wrong = api::handle({.method = std::string(route.method),
                                    .target = target,
                                    .authorization = "Bearer not-a-token-of-ours"},
                                   e.services);
    CHECK(wrong.status == 401);
    CHECK(wrong.body.find("not-a-token-of-ours") == std::string::npos);
  }
}

TEST_CASE("each role reaches the routes of its level and is 403 below it", "[api][auth]") {
  Env e;
  for (const auto& route : api::routes()) {
    for (const Role role : {Role::viewer, Role::operator_, Role::admin}) {
      INFO(route.method << " " << route.pattern << " as " << api::to_string(role));
      const auto r = test::call(e.services, std::string(route.method), target_of(route.pattern),
                                role, route.method == "POST" ? "{}" : "");
      if (role < route.role) {
        CHECK(r.status == 403);
        CHECK_THAT(r.body, Catch::Contains("needs " + std::string(api::to_string(route.role))));
      } else {
        CHECK(r.status != 401);
        CHECK(r.status != 403);
      }
    }
  }
}

TEST_CASE("with the database out of reach a route answers 503 with Retry-After", "[api]") {
  Env e;
  const auto r = test::call(e.services, "GET", "/api/v1/records", Role::viewer);
  CHECK(r.status == 503);
  CHECK(r.headers.at(0).first == "Retry-After");
  const auto ready = test::call(e.services, "GET", "/readyz", Role::none);
  CHECK(ready.status == 503);
}

TEST_CASE("an unknown pipeline is 404 with a did-you-mean, before the database is asked", "[api]") {
  Env e;
  const auto r = test::call(e.services, "GET", "/api/v1/pipelines/event", Role::viewer);
  CHECK(r.status == 404);
  const auto p = body_of(r);
  CHECK(p["field"] == "pipeline");
  CHECK(p["suggestion"] == "events");
  CHECK_THAT(p["detail"].get<std::string>(), Catch::Contains("did you mean 'events'"));
}
