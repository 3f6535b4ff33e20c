#pragma once
// One HTTP API connection as the source uses it: requests spaced by the rate limit, the auth
// and extra headers added, 429 and 5xx retried after Retry-After (or a doubling delay, both
// capped), other statuses classified, and every message scrubbed of the base URL's and the
// auth header's secrets.
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/adapters/http/source.hpp"
#include "framework/core/deadline.hpp"
#include "framework/net/http_client.hpp"
#include "framework/net/url.hpp"

namespace sluice::adapters::http {

struct Reply {
  std::string body;
  std::string link;  // the Link header, for next_link pagination
};

// Not shared between threads: a source makes one per window it works on (its curl handle
// keeps the connection for that window's pages); the rate limit is shared.
class ApiClient {
 public:
  // `cancel`, when given and set, ends a fetch early (its waits, its transfer) with an Error:
  // whoever fetches ahead for a consumer stops when that consumer has gone. `deadline`, when
  // given, caps every request's total timeout and ends the one running (and any wait) once
  // it passes.
  ApiClient(const ClientOptions& options, SharedRateLimiter& limiter,
            const std::atomic<bool>* cancel = nullptr, Deadline* deadline = nullptr);

  // A 2xx body, whole (bounded by page_max_bytes), or an Error that names `what` and the
  // URL as it may be shown. The connection's headers (auth and the others) go only to the
  // base URL's origin: a request elsewhere carries none of them.
  Result<Reply> fetch(std::string_view what, const std::string& method, const std::string& url,
                      const std::string& body);

  // One GET (headers as fetch sends them), no retry: the status, whatever it is.
  Result<long> status_of(const std::string& url);

  // The URL with the base URL's written form (references, masked passwords) in place of
  // what it resolved to.
  std::string shown(std::string_view url) const;
  std::string scrub(std::string text) const;

 private:
  const std::vector<std::string>& headers_for(const std::string& url) const;
  // Sleeps until `until`; false, sooner, when the fetch is cancelled or its deadline passes.
  bool wait_until(std::chrono::steady_clock::time_point until) const;
  bool stopped() const { return (cancel_ && cancel_->load()) || expired_.load(); }
  Result<void> append(std::string& body, std::string_view bytes, const std::string& method,
                      const std::string& url) const;

  const ClientOptions& options_;
  net::HttpClient client_;
  SharedRateLimiter& limiter_;
  std::optional<net::Origin> home_;        // the base URL's
  std::vector<std::string> headers_;       // to home_
  std::vector<std::string> bare_headers_;  // anywhere else
  const std::atomic<bool>* cancel_;
  Deadline* deadline_;
  std::atomic<bool> expired_{false};  // raised by the deadline's hook
  std::optional<Deadline::Hook> expiry_;
  std::size_t last_body_ = 0;  // the previous page's size: the next body's first allocation
};

}  // namespace sluice::adapters::http
