#include "daemon/api/api.hpp"

#include <algorithm>
#include <exception>

#include "daemon/api/router.hpp"
#include "framework/observe/log.hpp"

namespace sluice::api {
namespace {

struct Admitted {
  Caller caller;
  std::optional<WebSession> session;
};

// A console session (its cookie, when no Authorization header came): the caller is its
// token as the current config has it; a change (any method but GET) needs its CSRF token.
Answer<Admitted> from_session(const Request& request, Services& services,
                              const config::Config& config) {
  const auto id = cookie_value(request.cookie, Sessions::kCookie);
  const auto session = services.sessions().find(id, services.now());
  if (!session)
    return refuse({.status = 401,
                   .detail = "the console session has expired or was signed out; sign in again",
                   .field = "Cookie"});
  const auto& tokens = config.daemon.http.tokens;
  const auto token = std::find_if(tokens.begin(), tokens.end(),
                                  [&](const auto& t) { return t.name == session->token_name; });
  if (token == tokens.end()) {
    services.sessions().close(id);
    return refuse({.status = 401,
                   .detail = "the session's token '" + session->token_name +
                             "' is no longer in http.tokens; sign in again",
                   .field = "Cookie"});
  }
  if (request.method != "GET" && !same_secret(request.csrf_token, session->csrf))
    return refuse({.status = 403,
                   .detail = request.csrf_token.empty()
                                 ? "a change made with the console's session needs its CSRF "
                                   "token in X-CSRF-Token"
                                 : "X-CSRF-Token is not this session's CSRF token",
                   .field = "X-CSRF-Token"});
  return Admitted{{token->name, parse_role(token->role).value_or(Role::none)}, session};
}

// A bearer token, or else the console's session cookie.
Answer<Admitted> identify(const Request& request, Services& services,
                          const config::Config& config) {
  if (request.authorization.empty() && !cookie_value(request.cookie, Sessions::kCookie).empty())
    return from_session(request, services, config);
  auto bearer = authenticate(request.authorization, config.daemon.http.tokens);
  if (!bearer) return tl::unexpected(bearer.error());
  return Admitted{*bearer, std::nullopt};
}

// The caller of a route, or why not: no token needed for Role::none (but a scrape route asks
// for http.metrics_token when it is set), else a token (or a console session) of at least
// the route's role.
Answer<Admitted> admit(const Route& route, const Request& request, Services& services,
                       const config::Config& config) {
  if (route.role == Role::none) {
    const auto& metrics_token = config.daemon.http.metrics_token;
    if (!route.scrape || metrics_token.reveal().empty())
      return Admitted{{"anonymous", Role::none}, std::nullopt};
    const config::HttpToken only{"metrics", "none", metrics_token};
    auto caller = authenticate(request.authorization, std::span(&only, 1));
    if (!caller) return tl::unexpected(caller.error());
    return Admitted{*caller, std::nullopt};
  }
  auto admitted = identify(request, services, config);
  if (!admitted) return admitted;
  const auto& caller = admitted->caller;
  if (caller.role < route.role)
    return refuse({.status = 403,
                   .detail = "token '" + caller.name + "' has role " +
                             std::string(to_string(caller.role)) + "; this route needs " +
                             std::string(to_string(route.role))});
  return admitted;
}

Answer<Response> dispatch(const Request& request, Services& services, std::string_view path,
                          std::string_view query_text, std::string& route) {
  auto segments = path_segments(path);
  if (!segments) return tl::unexpected(segments.error());
  auto found = match_route(routes(), request.method, *segments);
  if (!found) return tl::unexpected(found.error());
  route = found->route->pattern;
  const auto config = services.config();
  auto admitted = admit(*found->route, request, services, *config);
  if (!admitted) return tl::unexpected(admitted.error());
  auto query = Query::parse(query_text);
  if (!query) return tl::unexpected(query.error());
  Call call{request,           std::move(admitted->session),
            std::string(path), *query,
            found->params,     admitted->caller,
            services};
  return found->route->handler(call);
}

}  // namespace

tl::unexpected<Problem> unavailable(const Error& error) {
  if (error.connection_lost)
    return refuse({.status = 503,
                   .detail = "the database is out of reach: " + error.message,
                   .headers = {{"Retry-After", "5"}}});
  return refuse({.status = 500, .detail = error.message});
}

Response handle(const Request& request, Services& services) {
  const auto question = request.target.find('?');
  const std::string_view target = request.target;
  const auto path = target.substr(0, question);
  const auto query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  // The instance is the path as sent; clients see it quoted back only inside JSON.
  const std::string instance(path);
  std::string route;
  Response response;
  try {
    auto answer = dispatch(request, services, path, query, route);
    response = answer ? std::move(*answer) : problem_response(answer.error(), instance);
  } catch (const std::exception& e) {
    observe::logger("http")->error("{} {}: {}", request.method, instance, e.what());
    response = problem_response({.status = 500, .detail = "internal error (logged by the daemon)"},
                                instance);
  }
  response.route = std::move(route);
  return response;
}

}  // namespace sluice::api
