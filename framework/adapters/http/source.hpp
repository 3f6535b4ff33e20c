#pragma once
// The HTTP JSON API source. A window is one walk of pages: the URL template rendered with the
// window, then the pagination strategy's next requests, each page's records mapped to rows
// and sent on before the next page is asked for (memory holds one page, never the window).
// The API is trusted to return exactly the window's records, [start, end): the source sends
// the window in the URL or body and does not filter what comes back.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "framework/adapters/http/pagination.hpp"
#include "framework/adapters/http/request.hpp"
#include "framework/adapters/http/retry.hpp"
#include "framework/adapters/interfaces.hpp"
#include "framework/config/secret.hpp"

namespace sluice::config {
struct ConnectionConfig;
struct EndpointConfig;
}  // namespace sluice::config

namespace sluice::adapters::http {

struct ClientOptions {
  config::Secret base_url;                                   // may carry a token: shown redacted
  std::vector<std::pair<std::string, std::string>> headers;  // not secret
  std::string auth_header_name = "Authorization";
  std::optional<config::Secret> auth_header;  // sent, never shown
  std::chrono::milliseconds timeout{30000};
  std::chrono::milliseconds connect_timeout{10000};
  double rate_limit = 0;  // requests per second, 0: unlimited
  RetryPolicy retry;
  bool tls_verify = true;
  std::size_t max_page_bytes = 256u << 20;  // a page larger than this is refused
};

struct SourceOptions {
  ClientOptions client;
  time::FieldTemplate path;
  config::NamedTemplates query;
  std::string method = "GET";
  std::optional<time::FieldTemplate> body;
  std::string records_pointer;
  config::NamedStrings columns;  // column -> JSON pointer within a record
  PaginationOptions pagination;
  std::optional<time::FieldTemplate> count_path;
  std::string count_pointer = "/count";
  time::Zone zone = nullptr;  // of the templates' dates; UTC when null
};

Result<std::unique_ptr<Source>> make_source(SourceOptions options);
Result<std::unique_ptr<Source>> source_from_config(const config::ConnectionConfig& connection,
                                                   const config::EndpointConfig& source);
// `connections test`: a GET of base_url; any HTTP answer but 401/403 counts as reachable.
Result<std::string> probe(const config::ConnectionConfig& connection);

}  // namespace sluice::adapters::http
