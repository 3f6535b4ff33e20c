#pragma once
// A small libcurl client for the adapters that speak HTTP (ClickHouse, JSON APIs). One
// HttpClient owns one easy handle, reused request after request so the connection stays
// open (keep-alive). Bodies stream both ways: a request body is pulled block by block from
// a callback (sent chunked), a response body is pushed to a consumer as it arrives; nothing
// is held whole in memory. Transport failures come back as classified Errors; an HTTP
// status is the caller's to judge (classify_status gives the usual reading).
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/core/error.hpp"
#include "framework/core/instant.hpp"

namespace sluice::net {

// curl_global_init, once per process; every HttpClient calls it, callers need not.
void global_init();

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds total_timeout{std::chrono::minutes(5)};  // 0: none
  // A transfer slower than low_speed_bytes per second for low_speed_time is abandoned
  // (a stalled server), whatever total_timeout says. 0 s: no such check.
  long low_speed_bytes = 1;
  std::chrono::seconds low_speed_time{60};
  bool tls_verify = true;
  bool accept_compressed = false;  // ask for gzip/deflate/zstd responses; curl decodes them
  // HTTP basic authentication; the password is redacted from every message.
  std::string user{};
  std::string password{};
};

// Pulls the next block of a streamed request body; an empty block ends the body. The view
// must stay valid until the next call.
using BodySource = std::function<Result<std::string_view>()>;
// Receives the response body as it arrives (2xx responses only); an Error aborts the
// transfer and is what perform() returns.
using BodyConsumer = std::function<Result<void>(std::string_view)>;

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string url{};
  std::vector<std::string> headers{};  // `Name: value`
  std::string body{};                  // sent whole (POST), unless body_source is set
  BodySource body_source{};            // POST body streamed with chunked encoding
  BodyConsumer on_body{};              // without it a 2xx body is kept in HttpResponse::body
  // The transfer ends by then at the latest, whatever total_timeout says (a window's
  // deadline); one not begun by then is not sent.
  std::optional<std::chrono::steady_clock::time_point> deadline{};
  // Raised from another thread, it ends the transfer (libcurl looks at least once a second).
  const std::atomic<bool>* abort{};
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers{};  // names in lower case
  // The body when no consumer took it, and always for a non-2xx status (the server's
  // error text), cut at kMaxKeptBody bytes.
  std::string body{};
  long new_connections = 0;  // connections opened for this request (0: an open one reused)

  static constexpr std::size_t kMaxKeptBody = 64 * 1024;
  bool ok() const { return status >= 200 && status < 300; }
  std::optional<std::string> header(std::string_view name) const;  // case-insensitive
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request and returns whatever status the server answered. An Error means no
  // complete answer: the transport failed (classified by classify_transport), or a body
  // callback failed (its own Error, unchanged).
  Result<HttpResponse> perform(const HttpRequest& request);

  const HttpOptions& options() const { return options_; }

 private:
  HttpOptions options_;
  void* handle_ = nullptr;  // CURL*, kept for its connection
};

// The usual meaning of a status: 408, 425, 429 and 5xx retryable, other 4xx and anything
// unexpected permanent. `what` leads the message (`ClickHouse INSERT`), then the status and
// the first line(s) of `body`.
Error classify_status(long status, std::string_view what, std::string_view body);
bool retryable_status(long status);

// A libcurl result code's meaning: connection refused, timeouts, resets, DNS are
// retryable; a malformed URL, an unsupported scheme or a certificate refused are permanent.
ErrorKind transport_kind(int curl_code);

// Retry-After: delta-seconds or an HTTP-date, as the wait from `now`; nullopt when absent
// or unreadable. A date in the past waits 0.
std::optional<Seconds> parse_retry_after(std::string_view value, Instant now);

// The URL as it may be shown: user information and credential-like query parameters
// masked.
std::string redact_url(std::string_view url);

}  // namespace sluice::net
