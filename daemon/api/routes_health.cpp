// /healthz, /readyz and /metrics: what a load balancer, systemd's watchdog friends and
// Prometheus ask. No token, except /metrics when http.metrics_token is set.
#include "daemon/api/handlers.hpp"
#include "daemon/api/openapi.hpp"

namespace sluice::api {

// Answered on the event loop itself (see the server): an answer means the loop turns.
Answer<Response> healthz(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  return json_response(200, {{"status", "ok"}});
}

Answer<Response> readyz(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  if (auto r = call.services.ready(); !r) {
    return refuse({.status = 503,
                   .detail = "not ready: " + r.error().message,
                   .headers = {{"Retry-After", "5"}}});
  }
  return json_response(200, {{"status", "ready"}});
}

Answer<Response> metrics(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  return Response{.status = 200,
                  .content_type = "text/plain; version=0.0.4; charset=utf-8",
                  .body = call.services.metrics()};
}

Answer<Response> openapi(Call& call) {
  if (auto q = call.query.only({}); !q) return tl::unexpected(q.error());
  return Response{.status = 200, .body = std::string(openapi_document())};
}

}  // namespace sluice::api
