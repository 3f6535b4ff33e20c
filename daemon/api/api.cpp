#include "daemon/api/api.hpp"

#include <exception>

#include "daemon/api/router.hpp"
#include "framework/observe/log.hpp"

namespace sluice::api {
namespace {

// The caller of a route, or why not: no token needed for Role::none (but a scrape route asks
// for http.metrics_token when it is set), else a token of at least the route's role.
Answer<Caller> admit(const Route& route, const Request& request, const config::Config& config) {
  if (route.role == Role::none) {
    const auto& metrics_token = config.daemon.http.metrics_token;
    if (!route.scrape || metrics_token.reveal().empty()) return Caller{"anonymous", Role::none};
    const config::HttpToken only{"metrics", "none", metrics_token};
    return authenticate(request.authorization, std::span(&only, 1));
  }
  auto caller = authenticate(request.authorization, config.daemon.http.tokens);
  if (!caller) return caller;
  if (caller->role < route.role)
    return refuse({.status = 403,
                   .detail = "token '" + caller->name + "' has role " +
                             std::string(to_string(caller->role)) + "; this route needs " +
                             std::string(to_string(route.role))});
  return caller;
}

Answer<Response> dispatch(const Request& request, Services& services, std::string_view path,
                          std::string_view query_text, std::string& route) {
  auto segments = path_segments(path);
  if (!segments) return tl::unexpected(segments.error());
  auto found = match_route(routes(), request.method, *segments);
  if (!found) return tl::unexpected(found.error());
  route = found->route->pattern;
  const auto config = services.config();
  auto caller = admit(*found->route, request, *config);
  if (!caller) return tl::unexpected(caller.error());
  auto query = Query::parse(query_text);
  if (!query) return tl::unexpected(query.error());
  Call call{request, std::string(path), *query, found->params, *caller, services};
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
