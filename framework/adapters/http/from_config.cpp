// The HTTP source built from its validated connection and source sections, and the probe of
// `connections test`.
#include <fmt/format.h>

#include "framework/adapters/endpoint.hpp"
#include "framework/adapters/http/client.hpp"
#include "framework/adapters/http/source.hpp"

namespace sluice::adapters::http {
namespace {

std::chrono::milliseconds millis(const config::Fields& f, std::string_view key,
                                 std::chrono::milliseconds fallback) {
  const auto* d = f.get<time::Duration>(key);
  return d ? std::chrono::duration_cast<std::chrono::milliseconds>(d->fixed) : fallback;
}

Result<ClientOptions> client_options(const adapters::ConnectionConfig& connection) {
  const config::Fields& c = connection.params;
  ClientOptions o;
  const auto* base = c.get<config::Secret>("base_url");
  if (!base || !base->is_resolved())
    return fail(
        Error::permanent(fmt::format("connection '{}' has no resolved base_url", connection.name)));
  o.base_url = *base;
  if (const auto* auth = c.get<config::Secret>("auth_header")) {
    if (!auth->is_resolved())
      return fail(Error::permanent(fmt::format("connection '{}': auth_header {} is not resolved",
                                               connection.name, auth->redacted())));
    o.auth_header = *auth;
  }
  o.auth_header_name = c.string_or("auth_header_name", o.auth_header_name);
  if (const auto* headers = c.get<config::NamedStrings>("headers")) o.headers = *headers;
  o.timeout = millis(c, "timeout", o.timeout);
  o.connect_timeout = millis(c, "connect_timeout", o.connect_timeout);
  o.rate_limit = c.value_or<double>("rate_limit", 0);
  o.retry.max_retries = static_cast<int>(c.value_or<std::int64_t>("max_retries", 5));
  o.retry.max_delay = millis(c, "max_retry_delay", o.retry.max_delay);
  o.tls_verify = c.value_or<bool>("tls_verify", true);
  o.page_max_bytes = static_cast<std::size_t>(
      c.value_or<std::int64_t>("page_max_bytes", static_cast<std::int64_t>(o.page_max_bytes)));
  o.max_json_depth = static_cast<std::size_t>(
      c.value_or<std::int64_t>("max_json_depth", static_cast<std::int64_t>(o.max_json_depth)));
  return o;
}

PaginationOptions pagination_options(const config::Fields* p) {
  PaginationOptions o;
  if (!p) return o;
  o.type = pagination_type(p->string_or("type", "none"));
  o.page_size = p->value_or<std::int64_t>("page_size", o.page_size);
  o.size_param = p->string_or("size_param", o.size_param);
  o.page_param = p->string_or("page_param", o.page_param);
  o.first_page = p->value_or<std::int64_t>("first_page", o.first_page);
  o.offset_param = p->string_or("offset_param", o.offset_param);
  o.cursor_param = p->string_or("cursor_param", o.cursor_param);
  o.next_pointer = p->string_or("next_pointer");
  if (const auto* origins = p->get<std::vector<std::string>>("allowed_origins"))
    o.allowed_origins = *origins;
  return o;
}

}  // namespace

Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& source) {
  auto client = client_options(connection);
  if (!client) return fail(client.error());
  const config::Fields& s = source.params;
  SourceOptions o;
  o.client = std::move(*client);
  if (const auto* path = s.get<time::FieldTemplate>("path")) o.path = *path;
  if (const auto* query = s.get<config::NamedTemplates>("query")) o.query = *query;
  o.method = s.string_or("method", "GET");
  if (const auto* body = s.get<time::FieldTemplate>("body")) o.body = *body;
  o.records_pointer = s.string_or("records_pointer");
  if (const auto* columns = s.get<config::NamedStrings>("columns")) o.columns = *columns;
  o.pagination = pagination_options(s.section("pagination"));
  if (const auto* count = s.get<time::FieldTemplate>("count_path")) o.count_path = *count;
  o.count_pointer = s.string_or("count_pointer", o.count_pointer);
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
