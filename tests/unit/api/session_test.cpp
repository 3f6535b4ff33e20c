// The web console's door (daemon/api/sessions.*, routes_session.cpp): a token exchanged for a
// session cookie, the CSRF token every change needs, expiry, sign-out, the event stream.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "daemon/api/sessions.hpp"
#include "tests/support/api_services.hpp"
#include "tests/support/chain_fixture.hpp"

using namespace sluice;
using api::Role;

namespace {

using Env = test::OfflineApi;

std::string header(const api::Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

struct SignedIn {
  std::string cookie;  // `sluice_session=...`
  std::string csrf;
};

SignedIn sign_in(test::TestServices& services, Role role) {
  const auto r = api::handle({.method = "POST",
                              .target = "/api/v1/session",
                              .content_type = "application/json",
                              .body = nlohmann::json{{"token", test::token_of(role)}}.dump()},
                             services);
  REQUIRE(r.status == 200);
  const auto set = header(r, "Set-Cookie");
  return {set.substr(0, set.find(';')), nlohmann::json::parse(r.body)["csrf"]};
}

api::Response with_cookie(test::TestServices& services, const std::string& method,
                          const std::string& target, const SignedIn& s, std::string csrf,
                          std::string body = "") {
  return api::handle({.method = method,
                      .target = target,
                      .content_type = body.empty() ? "" : "application/json",
                      .body = std::move(body),
                      .cookie = "theme=dark; " + s.cookie,
                      .csrf_token = std::move(csrf)},
                     services);
}

}  // namespace

TEST_CASE("a token is exchanged for an HttpOnly, SameSite=Strict session cookie",
          "[api][session]") {
  Env e;
  const auto r = api::handle({.method = "POST",
                              .target = "/api/v1/session",
                              .content_type = "application/json",
                              .body = nlohmann::json{{"token", test::kOperatorToken}}.dump(),
                              .tls = true},
                             e.services);
  REQUIRE(r.status == 200);
  const auto body = nlohmann::json::parse(r.body);
  CHECK(body["name"] == "ci");
  CHECK(body["role"] == "operator");
  CHECK(body["csrf"].get<std::string>().size() == 64);
  CHECK(body["expires_at"] == format_utc(test::kNow + std::chrono::hours(12)));
  const auto cookie = header(r, "Set-Cookie");
  CHECK(cookie.starts_with("sluice_session="));
  CHECK(cookie.find("; HttpOnly") != std::string::npos);
  CHECK(cookie.find("; SameSite=Strict") != std::string::npos);
  CHECK(cookie.find("; Max-Age=43200") != std::string::npos);
  CHECK(cookie.find("; Secure") != std::string::npos);
  // Neither the token nor the session id is in the body.
  CHECK(r.body.find(test::kOperatorToken) == std::string::npos);
  CHECK(r.body.find(cookie.substr(15, 64)) == std::string::npos);
  CHECK(e.services.sessions().size() == 1);
}

TEST_CASE("a wrong token signs nobody in and asks for no browser prompt", "[api][session]") {
  Env e;
  for (const std::string body :
       {R"({"token":"nope"})", R"({"token":""})", R"({})", R"({"token":1})",
        R"({"token":"viewer-0123456789abcdef","role":"admin"})"}) {
    INFO(body);
    const auto r = api::handle({.method = "POST",
                                .target = "/api/v1/session",
                                .content_type = "application/json",
                                .body = body},
                               e.services);
    CHECK((r.status == 400 || r.status == 401));
    CHECK(header(r, "Set-Cookie").empty());
    CHECK(header(r, "WWW-Authenticate").empty());
  }
  CHECK(e.services.sessions().size() == 0);
}

TEST_CASE("with the cookie, reads need no CSRF token and changes need the session's",
          "[api][session]") {
  Env e;
  const auto s = sign_in(e.services, Role::operator_);
  const auto who = with_cookie(e.services, "GET", "/api/v1/session", s, "");
  REQUIRE(who.status == 200);
  CHECK(nlohmann::json::parse(who.body)["csrf"] == s.csrf);

  const auto missing = with_cookie(e.services, "POST", "/api/v1/pipelines/events/pause", s, "");
  CHECK(missing.status == 403);
  CHECK(nlohmann::json::parse(missing.body)["field"] == "X-CSRF-Token");
  const auto wrong =
      with_cookie(e.services, "POST", "/api/v1/pipelines/events/pause", s, std::string(64, 'a'));
  CHECK(wrong.status == 403);
  // The right token passes the door; the database is out of reach here, hence 503.
  CHECK(with_cookie(e.services, "POST", "/api/v1/pipelines/events/pause", s, s.csrf).status == 503);
}

TEST_CASE("a viewer's session with its own CSRF token may still not change anything",
          "[api][session]") {
  Env e;
  const auto s = sign_in(e.services, Role::viewer);
  const auto r = with_cookie(e.services, "POST", "/api/v1/records/rerun", s, s.csrf,
                             R"({"pipeline":"events","id":[1]})");
  CHECK(r.status == 403);
  CHECK(nlohmann::json::parse(r.body)["detail"].get<std::string>().find("viewer") !=
        std::string::npos);
}

TEST_CASE("a session expires after http.session_ttl and sign-out ends it", "[api][session]") {
  Env e;
  const auto s = sign_in(e.services, Role::admin);
  e.services.set_now(test::kNow + std::chrono::hours(12) - std::chrono::seconds(1));
  CHECK(with_cookie(e.services, "GET", "/api/v1/session", s, "").status == 200);
  e.services.set_now(test::kNow + std::chrono::hours(12));
  const auto expired = with_cookie(e.services, "GET", "/api/v1/session", s, "");
  CHECK(expired.status == 401);
  CHECK(nlohmann::json::parse(expired.body)["field"] == "Cookie");
  CHECK(e.services.sessions().size() == 0);

  e.services.set_now(test::kNow);
  const auto t = sign_in(e.services, Role::viewer);
  CHECK(with_cookie(e.services, "DELETE", "/api/v1/session", t, "").status == 403);
  const auto out = with_cookie(e.services, "DELETE", "/api/v1/session", t, t.csrf);
  CHECK(out.status == 204);
  CHECK(header(out, "Set-Cookie").find("Max-Age=0") != std::string::npos);
  CHECK(with_cookie(e.services, "GET", "/api/v1/session", t, "").status == 401);
}

TEST_CASE("a bearer token wins over a cookie and needs no CSRF token", "[api][session]") {
  Env e;
  const auto s = sign_in(e.services, Role::viewer);
  const auto r = api::handle({.method = "POST",
                              .target = "/api/v1/pipelines/events/pause",
                              .authorization = std::string("Bearer ") + test::kOperatorToken,
                              .cookie = s.cookie},
                             e.services);
  CHECK(r.status == 503);  // past the door: the database is out of reach here
}

TEST_CASE("sessions: lookup, expiry, the cap, cookies", "[api][session]") {
  api::Sessions sessions;
  const Instant t0 = test::kNow;
  const auto a = sessions.open("dash", t0, Seconds{60});
  CHECK(a.id.size() == 64);
  CHECK(a.id != a.session.csrf);
  CHECK(sessions.find(a.id, t0 + Seconds{59}));
  CHECK_FALSE(sessions.find(a.id + "0", t0));
  CHECK_FALSE(sessions.find("", t0));
  CHECK_FALSE(sessions.find(a.id, t0 + Seconds{60}));
  CHECK_FALSE(sessions.find(a.id, t0));  // dropped when found expired

  for (std::size_t i = 0; i < api::Sessions::kMaxOpen; ++i)
    sessions.open("ci", t0, Seconds{100 + static_cast<long>(i)});
  CHECK(sessions.size() == api::Sessions::kMaxOpen);
  const auto last = sessions.open("root", t0, Seconds{1000000});
  CHECK(sessions.size() == api::Sessions::kMaxOpen);
  CHECK(sessions.find(last.id, t0));

  CHECK(api::cookie_value("a=1; sluice_session=abc ; b=2", "sluice_session") == "abc");
  CHECK(api::cookie_value("xsluice_session=abc", "sluice_session").empty());
  CHECK(api::cookie_value("sluice_session", "sluice_session").empty());
  CHECK(api::cookie_value("", "sluice_session").empty());
  CHECK(api::session_cookie("x", Seconds{5}, false) ==
        "sluice_session=x; Path=/; Max-Age=5; HttpOnly; SameSite=Strict");
}

TEST_CASE("the event stream needs a viewer and answers text/event-stream", "[api][session]") {
  Env e;
  CHECK(test::call(e.services, "GET", "/api/v1/events", Role::none).status == 401);
  const auto r = test::call(e.services, "GET", "/api/v1/events", Role::viewer);
  CHECK(r.status == 200);
  CHECK(r.content_type == "text/event-stream");
  CHECK(r.body.starts_with("retry: "));
}
