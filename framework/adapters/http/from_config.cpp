// The HTTP source built from its validated connection and source sections, and the probe of
// `connections test`.
#include <fmt/format.h>

#include "framework/adapters/endpoint.hpp"
#include "framework/adapters/http/client.hpp"
#include "framework/adapters/http/keys.hpp"
#include "framework/adapters/http/source.hpp"

namespace sluice::adapters::http {
namespace {

Result<ClientOptions> client_options(const adapters::ConnectionConfig& connection) {
  auto c = config::bind(connection_binding(), connection.params);
  if (!c.base_url || !c.base_url->is_resolved())
    return fail(
        Error::permanent(fmt::format("connection '{}' has no resolved base_url", connection.name)));
  if (c.auth_header && !c.auth_header->is_resolved())
    return fail(Error::permanent(fmt::format("connection '{}': auth_header {} is not resolved",
                                             connection.name, c.auth_header->redacted())));
  ClientOptions o;
  o.base_url = std::move(*c.base_url);
  o.auth_header = std::move(c.auth_header);
  o.auth_header_name = std::move(c.auth_header_name);
  o.headers = std::move(c.headers);
  o.timeout = c.timeout;
  o.connect_timeout = c.connect_timeout;
  o.rate_limit = c.rate_limit;
  o.retry.max_retries = c.max_retries;
  o.retry.max_delay = c.max_retry_delay;
  o.tls_verify = c.tls_verify;
  o.page_max_bytes = c.page_max_bytes;
  o.max_json_depth = c.max_json_depth;
  return o;
}

}  // namespace

Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& source) {
  auto client = client_options(connection);
  if (!client) return fail(client.error());
  SourceOptions o = config::bind(source_binding(), source.params);
  o.client = std::move(*client);
  return make_source(std::move(o));
}

Result<std::string> probe(const adapters::ConnectionConfig& connection) {
  auto options = client_options(connection);
  if (!options) return fail(options.error());
  SharedRateLimiter limiter(0);
  ApiClient api(*options, limiter);
  const std::string& url = options->base_url.reveal();
  // Any answer proves the server is there; only a refused credential is a failure, since
  // the base URL itself often has nothing to serve (404) or wants a method of its own (405).
  auto status = api.status_of(url);
  if (!status) return fail(status.error());
  if (*status == 401 || *status == 403)
    return fail(
        Error::permanent(fmt::format("{}: HTTP {} (check auth_header)", api.shown(url), *status)));
  return fmt::format("HTTP {} from {}", *status, api.shown(url));
}

}  // namespace sluice::adapters::http
