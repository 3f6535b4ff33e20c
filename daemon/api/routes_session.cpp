// /api/v1/session and /api/v1/events: the web console's sign-in and its live updates.
#include "daemon/api/body.hpp"
#include "daemon/api/handlers.hpp"
#include "framework/observe/log.hpp"

namespace sluice::api {
namespace {

using nlohmann::json;

json session_json(const Caller& caller, const std::optional<WebSession>& session) {
  return {{"name", caller.name},
          {"role", to_string(caller.role)},
          {"csrf", session ? json(session->csrf) : json()},
          {"expires_at", session ? json(format_utc(session->expires)) : json()}};
}

}  // namespace

Answer<Response> sign_in(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  auto body = Body::parse(call.request, {"token"});
  if (!body) return tl::unexpected(body.error());
  auto token = body->text("token");
  if (!token) return tl::unexpected(token.error());
  if (!*token || (*token)->empty()) return bad_input("token", "required: one of http.tokens");
  const auto config = call.services.config();
  // Refused without WWW-Authenticate: the browser must not prompt for credentials.
  const auto caller = match_token(**token, config->daemon.http.tokens);
  if (!caller)
    return refuse(
        {.status = 401, .detail = "the token is not one of http.tokens", .field = "token"});
  if (caller->role == Role::none)
    return refuse({.status = 403,
                   .detail = "token '" + caller->name + "' has no role that may sign in",
                   .field = "token"});
  const auto ttl = config->daemon.http.session_ttl;
  auto opened = call.services.sessions().open(caller->name, call.services.now(), ttl);
  observe::logger("http")->info("console sign-in of '{}' from {}", caller->name,
                                call.request.client);
  auto out = json_response(200, session_json(*caller, opened.session));
  out.headers.emplace_back("Set-Cookie", session_cookie(opened.id, ttl, call.request.tls));
  return out;
}

Answer<Response> get_session(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  return json_response(200, session_json(call.caller, call.session));
}

Answer<Response> sign_out(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  call.services.sessions().close(cookie_value(call.request.cookie, Sessions::kCookie));
  Response out;
  out.status = 204;
  out.headers.emplace_back("Set-Cookie", cleared_session_cookie(call.request.tls));
  return out;
}

Answer<Response> events(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  Response out;
  out.content_type = "text/event-stream";
  // A dropped stream is retried after a second; the page reads everything again on reopening.
  out.body = "retry: 1000\n: connected\n\n";
  return out;
}

}  // namespace sluice::api
