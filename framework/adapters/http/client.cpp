#include "framework/adapters/http/client.hpp"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "framework/observe/log.hpp"
#include "framework/schema/secret.hpp"

namespace sluice::adapters::http {
namespace {

net::HttpOptions http_options(const ClientOptions& o) {
  net::HttpOptions h;
  h.connect_timeout = o.connect_timeout;
  h.total_timeout = o.timeout;
  h.tls_verify = o.tls_verify;
  h.accept_compressed = true;
  return h;
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
}

// The first line of an error body, short: enough to tell `invalid token` from `no such path`.
std::string excerpt(std::string_view body) {
  body = body.substr(0, body.find('\n'));
  if (body.size() > 200) return std::string(body.substr(0, 200)) + "...";
  return std::string(body);
}

}  // namespace

// In short steps while something may end the wait.
bool ApiClient::wait_until(std::chrono::steady_clock::time_point until) const {
  if (!cancel_ && !deadline_) {
    std::this_thread::sleep_until(until);
    return true;
  }
  for (;;) {
    if (stopped()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(50)));
  }
}

ApiClient::ApiClient(const ClientOptions& options, SharedRateLimiter& limiter,
                     const std::atomic<bool>* cancel, Deadline* deadline)
    : options_(options),
      client_(http_options(options)),
      limiter_(limiter),
      home_(net::origin_of(options.base_url.reveal())),
      cancel_(cancel),
      deadline_(deadline) {
  if (deadline_) expiry_.emplace(deadline_->on_expiry([this] { expired_ = true; }));
  bare_headers_.emplace_back("Accept: application/json");
  headers_ = bare_headers_;
  for (const auto& [name, value] : options_.headers)
    headers_.push_back(fmt::format("{}: {}", name, value));
  if (options_.auth_header && !options_.auth_header->reveal().empty())
    headers_.push_back(options_.auth_header_name + ": " + options_.auth_header->reveal());
}

std::string ApiClient::scrub(std::string text) const {
  // The resolved base URL may hold a token anywhere (a path segment, a parameter): it is
  // replaced by its written form, whose references and masked passwords are safe to show.
  if (options_.base_url.reveal() != options_.base_url.redacted())
    replace_all(text, options_.base_url.reveal(), options_.base_url.redacted());
  if (options_.auth_header) replace_all(text, options_.auth_header->reveal(), config::kRedacted);
  return text;
}

std::string ApiClient::shown(std::string_view url) const {
  return net::redact_url(scrub(std::string(url)));
}

const std::vector<std::string>& ApiClient::headers_for(const std::string& url) const {
  const auto origin = net::origin_of(url);
  return origin && origin == home_ ? headers_ : bare_headers_;
}

// Appends a piece of a page, refused once the page would pass page_max_bytes. The buffer
// grows by doubling up to the cap, never past it: an endless body costs page_max_bytes.
Result<void> ApiClient::append(std::string& body, std::string_view bytes, const std::string& method,
                               const std::string& url) const {
  const std::size_t cap = options_.page_max_bytes;
  if (bytes.size() > cap - std::min(cap, body.size()))
    return fail(
        Error::permanent(fmt::format("{} {}: the response is larger than {} bytes "
                                     "(page_max_bytes)",
                                     method, shown(url), cap)));
  if (body.size() + bytes.size() > body.capacity()) {
    // Not reserve(): libstdc++ at least doubles a string's capacity whatever it is asked for,
    // which would take the last step past the cap. A fresh string gets what it asks for.
    std::string grown;
    grown.reserve(std::min(cap, std::max(body.size() + bytes.size(), 2 * body.capacity())));
    grown.append(body);
    body.swap(grown);
  }
  body.append(bytes);
  if (options_.stats) {
    options_.stats->bytes_received += bytes.size();
    auto& peak = options_.stats->peak_buffer;
    for (std::size_t seen = peak.load(); body.capacity() > seen;)
      if (peak.compare_exchange_weak(seen, body.capacity())) break;
  }
  return {};
}

Result<long> ApiClient::status_of(const std::string& url) {
  net::HttpRequest request;
  request.url = url;
  request.headers = headers_for(url);
  auto response = client_.perform(request);
  if (!response)
    return fail(Error{response.error().kind,
                      fmt::format("GET {}: {}", shown(url), scrub(response.error().message))});
  return response->status;
}

Result<Reply> ApiClient::fetch(std::string_view what, const std::string& method,
                               const std::string& url, const std::string& body) {
  static const auto log = observe::logger("adapter.http");
  const auto cancelled = [&] {
    // Past the deadline the chain reports the timeout; a consumer gone is no reason to retry.
    if (expired_) return fail(Error::retryable(fmt::format("{} {}: deadline", what, shown(url))));
    return fail(Error::permanent(fmt::format("{} {}: cancelled", what, shown(url))));
  };
  for (int attempt = 0;; ++attempt) {
    if (!wait_until(limiter_.reserve(RateLimiter::Clock::now()))) return cancelled();
    Reply reply;
    // Pages of a window are alike in size: one allocation instead of a doubling series.
    reply.body.reserve(std::min(options_.page_max_bytes, last_body_ + last_body_ / 8));
    net::HttpRequest request;
    request.method = method;
    request.url = url;
    request.headers = headers_for(url);
    request.body = body;
    request.on_body = [&](std::string_view bytes) -> Result<void> {
      if (stopped()) return cancelled();
      return append(reply.body, bytes, method, url);
    };
    if (deadline_) {
      request.deadline = deadline_->at();
      request.abort = &expired_;
    }
    auto response = client_.perform(request);
    // The client's message names the method and the URL already (redacted; scrubbed here of
    // what only this connection knows is secret).
    if (!response)
      return fail(Error{response.error().kind,
                        fmt::format("{} {}", what, scrub(response.error().message))});
    if (response->ok()) {
      last_body_ = reply.body.size();
      reply.link = response->header("link").value_or("");
      return reply;
    }
    const long status = response->status;
    if (net::retryable_status(status) && attempt < options_.retry.max_retries) {
      std::optional<std::chrono::milliseconds> after;
      if (auto header = response->header("retry-after"))
        if (auto s = net::parse_retry_after(
                *header, std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now())))
          after = *s;
      const auto wait = retry_delay(options_.retry, attempt + 1, after);
      log->warn("{} {}: HTTP {}, retry {} of {} in {} ms", what, shown(url), status, attempt + 1,
                options_.retry.max_retries, wait.count());
      if (!wait_until(std::chrono::steady_clock::now() + wait)) return cancelled();
      continue;
    }
    std::string detail = excerpt(response->body);
    if (auto location = response->header("location"); location && status >= 300 && status < 400)
      detail = "redirects are not followed; Location: " + shown(*location);
    Error e = net::classify_status(status, fmt::format("{} {}", what, shown(url)), scrub(detail));
    e.message = scrub(std::move(e.message));
    if (net::retryable_status(status))
      e.message += fmt::format(" (after {} retries)", options_.retry.max_retries);
    return fail(std::move(e));
  }
}

}  // namespace sluice::adapters::http
