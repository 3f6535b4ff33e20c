#pragma once
// The HTTP JSON API source. A window is one walk of pages: the URL template rendered with the
// window, then the pagination strategy's next requests, each page's records mapped to rows
// and sent on before the next page is asked for (memory holds one page, never the window).
// The API is trusted to return exactly the window's records, [start, end): the source sends
// the window in the URL or body and does not filter what comes back.
#include <atomic>
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
#include "framework/adapters/json_depth.hpp"
#include "framework/schema/secret.hpp"

namespace sluice::adapters {
struct ConnectionConfig;  // endpoint.hpp
struct EndpointConfig;
}  // namespace sluice::adapters

namespace sluice::adapters::http {

inline constexpr std::size_t kDefaultPageMaxBytes = std::size_t{64} << 20;

struct FetchStats {
  std::atomic<std::size_t> bytes_received{0};  // 2xx body bytes, all fetches
  std::atomic<std::size_t> peak_buffer{0};     // the largest page buffer's capacity
};

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
  // A page larger than this is refused (permanent) as soon as it is passed; the buffer that
  // receives it never grows beyond it.
  std::size_t page_max_bytes = kDefaultPageMaxBytes;
  // JSON nested deeper than this (pages, count answers) is refused (permanent) before
  // anything reads it recursively.
  std::size_t max_json_depth = kDefaultMaxJsonDepth;
  // Tests only: what the fetches of this connection received, and their largest buffer.
  std::shared_ptr<FetchStats> stats;
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
Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& source);
// `connections test`: a GET of base_url; any HTTP answer but 401/403 counts as reachable.
Result<std::string> probe(const adapters::ConnectionConfig& connection);

}  // namespace sluice::adapters::http
