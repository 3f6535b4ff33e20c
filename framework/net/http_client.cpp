#include "framework/net/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <mutex>

#include "framework/schema/secret.hpp"

static_assert(LIBCURL_VERSION_NUM >= 0x075500, "CURLOPT_PROTOCOLS_STR needs libcurl 7.85 or newer");

namespace sluice::net {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

// What one perform() shares with libcurl's callbacks.
struct Transfer {
  CURL* curl = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse response;
  std::optional<Error> callback_error;  // why a callback stopped the transfer
  std::string_view pending;             // unsent rest of the current body block
  bool body_done = false;

  bool status_ok() {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    return status >= 200 && status < 300;
  }
};

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::string_view bytes(data, n);
  if (t.request->on_body && t.status_ok()) {
    if (auto r = t.request->on_body(bytes); !r) {
      t.callback_error = r.error();
      return 0;  // anything but n aborts
    }
    return n;
  }
  const std::size_t room =
      HttpResponse::kMaxKeptBody - std::min(HttpResponse::kMaxKeptBody, t.response.body.size());
  // A kept body beyond the cap is dropped, not an error: only its beginning is ever shown.
  t.response.body.append(bytes.substr(0, std::min(room, n)));
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.substr(0, 5) == "HTTP/") {
    t.response.headers.clear();  // a new response (after 100 Continue or a redirect)
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    t.response.headers.emplace_back(lower(trim(line.substr(0, colon))),
                                    std::string(trim(line.substr(colon + 1))));
  }
  return line.size();
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t room = size * count;
  while (t.pending.empty() && !t.body_done) {
    auto block = t.request->body_source();
    if (!block) {
      t.callback_error = block.error();
      return CURL_READFUNC_ABORT;
    }
    if (block->empty()) t.body_done = true;
    t.pending = *block;
  }
  const std::size_t n = std::min(room, t.pending.size());
  if (n > 0) std::memcpy(buffer, t.pending.data(), n);
  t.pending.remove_prefix(n);
  return n;  // 0 once the body is done: the end of the chunked body
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto& t = *static_cast<Transfer*>(user);
  return t.request->abort->load() ? 1 : 0;  // non-zero aborts the transfer
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

}  // namespace

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  const std::string key = lower(name);
  for (const auto& [k, v] : headers)
    if (k == key) return v;
  return std::nullopt;
}

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {
  global_init();
  handle_ = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (handle_) curl_easy_cleanup(static_cast<CURL*>(handle_));
}

Result<HttpResponse> HttpClient::perform(const HttpRequest& request) {
  auto* curl = static_cast<CURL*>(handle_);
  if (!curl) return fail(Error::retryable("HTTP: could not create a libcurl handle"));
  // Options are set afresh for each request; the reset keeps the open connection.
  curl_easy_reset(curl);
  Transfer t;
  t.curl = curl;
  t.request = &request;
  char message[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  // HTTP and HTTPS only, whatever the URL says: a `file://`, `gopher://` or `dict://` URL
  // (a next link an API returned) would read a local file or talk to any port.
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // Redirects are not followed: libcurl would send the custom headers (an API key under any
  // header name) to wherever the Location points. A 3xx is the caller's status to judge.
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, message);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  long timeout_ms = static_cast<long>(options_.total_timeout.count());
  if (request.deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        *request.deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return fail(Error::retryable(request.method + " " + redact_url(request.url) +
                                   ": not sent, its deadline has passed"));
    if (timeout_ms == 0 || left.count() < timeout_ms) timeout_ms = static_cast<long>(left.count());
  }
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  if (request.abort) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  if (options_.low_speed_time.count() > 0) {
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(options_.low_speed_time.count()));
  }
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.tls_verify ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.tls_verify ? 2L : 0L);
  if (options_.accept_compressed) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  if (!options_.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, options_.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);

  curl_slist* headers = nullptr;
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    if (request.body_source) {
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(curl, CURLOPT_READDATA, &t);
      headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    } else {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    // No `Expect: 100-continue` round trip before every body.
    headers = curl_slist_append(headers, "Expect:");
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &t.response.status);
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &t.response.new_connections);
  if (t.callback_error) return fail(std::move(*t.callback_error));
  if (code == CURLE_ABORTED_BY_CALLBACK && request.abort && request.abort->load())
    return fail(Error::retryable(request.method + " " + redact_url(request.url) + ": cancelled"));
  if (code != CURLE_OK) {
    std::string text = message[0] ? message : curl_easy_strerror(code);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!options_.password.empty()) text = replace_all(text, options_.password, config::kRedacted);
    return fail(
        Error{transport_kind(code), request.method + " " + redact_url(request.url) + ": " + text});
  }
  return std::move(t.response);
}

bool retryable_status(long status) {
  return status == 408 || status == 425 || status == 429 || (status >= 500 && status < 600);
}

Error classify_status(long status, std::string_view what, std::string_view body) {
  std::string text = std::string(what) + ": HTTP " + std::to_string(status);
  std::string_view detail = trim(body);
  if (detail.size() > 500) detail = detail.substr(0, 500);
  if (!detail.empty()) text += ": " + std::string(detail);
  return Error{retryable_status(status) ? ErrorKind::retryable : ErrorKind::permanent,
               std::move(text)};
}

ErrorKind transport_kind(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_LOGIN_DENIED:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_FILESIZE_EXCEEDED: return ErrorKind::permanent;
    default:
      // Refused, reset, timed out, name not resolved (yet), nothing received: all things a
      // later attempt may not meet.
      return ErrorKind::retryable;
  }
}

std::optional<Seconds> parse_retry_after(std::string_view value, Instant now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return Seconds(seconds);
  }
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  const auto at = Instant(Seconds(when));
  return at > now ? at - now : Seconds(0);
}

std::string redact_url(std::string_view url) {
  return config::redact_credentials(url);
}

}  // namespace sluice::net
