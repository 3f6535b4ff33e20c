// The HTTP client's pure parts: how statuses and libcurl codes are classified, Retry-After,
// URL redaction, and what a transport failure says (without a reachable server).
#include <curl/curl.h>
#include <catch2/catch.hpp>

#include "framework/net/http_client.hpp"

using namespace sluice;
using namespace std::chrono_literals;

TEST_CASE("HTTP statuses: 408/425/429/5xx retryable, other 4xx permanent", "[net]") {
  struct Case {
    long status;
    ErrorKind kind;
  };
  const std::vector<Case> cases = {
      {400, ErrorKind::permanent}, {401, ErrorKind::permanent}, {403, ErrorKind::permanent},
      {404, ErrorKind::permanent}, {408, ErrorKind::retryable}, {413, ErrorKind::permanent},
      {425, ErrorKind::retryable}, {429, ErrorKind::retryable}, {500, ErrorKind::retryable},
      {502, ErrorKind::retryable}, {503, ErrorKind::retryable}, {504, ErrorKind::retryable},
      {302, ErrorKind::permanent}};
  for (const auto& c : cases) {
    INFO("status " << c.status);
    const Error e =
        net::classify_status(c.status, "ClickHouse INSERT", "  Code: 60, table missing\n");
    CHECK(e.kind == c.kind);
    CHECK(e.message ==
          "ClickHouse INSERT: HTTP " + std::to_string(c.status) + ": Code: 60, table missing");
  }
}

TEST_CASE("HTTP status message: a long body is cut, an empty one left out", "[net]") {
  CHECK(net::classify_status(503, "GET /x", "").message == "GET /x: HTTP 503");
  const Error long_body = net::classify_status(500, "GET /x", std::string(5000, 'e'));
  CHECK(long_body.message.size() == std::string("GET /x: HTTP 500: ").size() + 500);
}

TEST_CASE("libcurl codes: network trouble retryable, misconfiguration permanent", "[net]") {
  struct Case {
    CURLcode code;
    ErrorKind kind;
  };
  const std::vector<Case> cases = {
      {CURLE_COULDNT_CONNECT, ErrorKind::retryable},
      {CURLE_OPERATION_TIMEDOUT, ErrorKind::retryable},
      {CURLE_COULDNT_RESOLVE_HOST, ErrorKind::retryable},
      {CURLE_RECV_ERROR, ErrorKind::retryable},
      {CURLE_SEND_ERROR, ErrorKind::retryable},
      {CURLE_GOT_NOTHING, ErrorKind::retryable},
      {CURLE_PARTIAL_FILE, ErrorKind::retryable},
      {CURLE_URL_MALFORMAT, ErrorKind::permanent},
      {CURLE_UNSUPPORTED_PROTOCOL, ErrorKind::permanent},
      {CURLE_PEER_FAILED_VERIFICATION, ErrorKind::permanent},
  };
  for (const auto& c : cases) {
    INFO(curl_easy_strerror(c.code));
    CHECK(net::transport_kind(c.code) == c.kind);
  }
}

TEST_CASE("Retry-After: seconds or an HTTP date, relative to now", "[net]") {
  const Instant now = Instant(1445412480s);  // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK(net::parse_retry_after("120", now) == 120s);
  CHECK(net::parse_retry_after(" 0 ", now) == 0s);
  CHECK(net::parse_retry_after("Wed, 21 Oct 2015 07:29:30 GMT", now) == 90s);
  CHECK(net::parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now) == 0s);  // past
  CHECK_FALSE(net::parse_retry_after("", now).has_value());
  CHECK_FALSE(net::parse_retry_after("-5", now).has_value());
  CHECK_FALSE(net::parse_retry_after("soon", now).has_value());
}

TEST_CASE("URLs are shown with credentials masked", "[net]") {
  CHECK(net::redact_url("http://127.0.0.1:8123/?query=SELECT%201") ==
        "http://127.0.0.1:8123/?query=SELECT%201");
  const std::string user_info = net::redact_url("http://alice:hunter2@db:8123/");
  CHECK(user_info.find("hunter2") == std::string::npos);
  CHECK(user_info.find("db:8123") != std::string::npos);
  const std::string query = net::redact_url("http://db:8123/?user=alice&password=hunter2&query=x");
  CHECK(query.find("hunter2") == std::string::npos);
}

TEST_CASE("a malformed URL is a permanent error naming the redacted URL", "[net]") {
  net::HttpClient client(net::HttpOptions{.user = "alice", .password = "hunter2"});
  auto r = client.perform({.method = "GET", .url = "nosuch://alice:hunter2@host/"});
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::permanent);
  CHECK(r.error().message.find("hunter2") == std::string::npos);
  CHECK(r.error().message.rfind("GET nosuch://", 0) == 0);
}

TEST_CASE("response headers are looked up case-insensitively", "[net]") {
  net::HttpResponse r{.status = 429,
                      .headers = {{"retry-after", "7"}, {"content-type", "text/plain"}}};
  CHECK(r.header("Retry-After") == "7");
  CHECK_FALSE(r.header("X-Missing").has_value());
  CHECK_FALSE(r.ok());
}
