#pragma once
// The HTTP API, socket-free: `handle` takes one Request and gives its Response. It splits
// the target, finds the route (404, 405 with Allow), checks the caller's token and role
// (401, 403), runs the route's handler and turns whatever refused the request into
// problem+json. A handler that throws is answered 500 and logged, and the daemon goes on.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/connection>

#include "daemon/api/auth.hpp"
#include "daemon/api/exchange.hpp"
#include "daemon/api/query.hpp"
#include "daemon/api/sessions.hpp"
#include "framework/config/model.hpp"
#include "framework/core/error.hpp"

namespace sluice::api {

// What handlers reach besides the request; the server gives one to each of its threads.
class Services {
 public:
  virtual ~Services() = default;
  virtual std::shared_ptr<const config::Config> config() const = 0;
  // This thread's own database connection, opened on first use and after a loss.
  virtual Result<pqxx::connection*> database() = 0;
  virtual Instant now() const = 0;
  // Written to pipeline_events.host by operator actions: the daemon's host:pid.
  virtual std::string host() const = 0;
  // `/readyz`: the schema is current (checked at start and after a reconnect).
  virtual Result<void> ready() = 0;
  // `/metrics`: the exposition text.
  virtual std::string metrics() = 0;
  // The web console's sign-ins, shared by every thread that answers.
  Sessions& sessions() { return sessions_; }

 private:
  Sessions sessions_;
};

using PathParams = std::map<std::string, std::string, std::less<>>;

struct Call {
  const Request& request;
  // The console's session the caller came with (nullopt: a bearer token or no credential).
  std::optional<WebSession> session;
  std::string path;
  const Query& query;
  const PathParams& params;
  const Caller& caller;
  Services& services;
};

using Handler = std::function<Answer<Response>(Call&)>;

struct Route {
  std::string_view method;   // GET, POST or DELETE
  std::string_view pattern;  // `/api/v1/pipelines/{id}/pause`: `{name}` is one path segment
  Role role = Role::viewer;  // the least role allowed; none: no token needed
  Handler handler;
  std::string_view summary;  // for the OpenAPI document
  bool scrape = false;       // Prometheus' route: http.metrics_token, when set, guards it
};

// Every route the daemon serves, in the order the OpenAPI document lists them.
const std::vector<Route>& routes();

Response handle(const Request& request, Services& services);

// A failed store call as the client sees it: 503 (Retry-After) when the database is out of
// reach, else 500 naming what failed.
tl::unexpected<Problem> unavailable(const Error& error);

}  // namespace sluice::api
