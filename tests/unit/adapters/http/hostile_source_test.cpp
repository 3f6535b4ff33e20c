// The HTTP source against an API that goes wrong on purpose (tests/support/hostile_api.hpp):
// next links and redirects to another host or scheme, JSON nested deep in every place, error
// bodies of any bytes, endless and slow bodies. Each ends as a classified error that says
// where, with no request to the other host, nothing recursing with the input's depth, and
// memory bounded by page_max_bytes.
#include <catch2/catch.hpp>

#include <date/date.h>

#include "framework/adapters/http/source.hpp"
#include "tests/support/hostile_api.hpp"
#include "tests/support/http_test_server.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using adapters::http::PaginationType;
using test::Hostile;
using test::HostileApi;

namespace {

const adapters::WindowContext kWindow{
    PipelineId{"api"},
    Window{Instant{date::sys_days{date::year{2024} / 1 / 1}},
           Instant{date::sys_days{date::year{2024} / 1 / 1}} + std::chrono::hours(1)},
    RunId{"r"}, nullptr};

struct Rows final : adapters::RowSink {
  Result<void> begin(std::span<const adapters::Column>) override { return {}; }
  Result<void> row(std::span<const adapters::Field> fields) override {
    std::string text;
    for (const auto& f : fields) text += (text.empty() ? "" : "|") + std::string(f.value_or("-"));
    rows.push_back(text);
    return {};
  }
  Result<void> end() override { return {}; }
  std::vector<std::string> rows;
};

adapters::http::SourceOptions options(const test::HttpTestServer& server, PaginationType type,
                                      std::string next_pointer = "/next") {
  adapters::http::SourceOptions o;
  o.client.base_url = config::Secret::literal(server.base_url(), config::Secrecy::url);
  o.client.auth_header =
      config::Secret::resolved("Bearer ${env:T}", "Bearer s3cret", config::Secrecy::opaque);
  o.client.headers = {{"X-Api-Key", "k3y"}};
  o.client.retry = {0, 10ms, 10ms};
  o.client.timeout = 10s;
  o.path = *time::FieldTemplate::parse("/v1/events");
  o.records_pointer = "/items";
  o.columns = {{"id", "/id"}, {"note", "/attributes/note"}};
  o.pagination.type = type;
  o.pagination.page_size = 2;
  o.pagination.next_pointer = std::move(next_pointer);
  return o;
}

// The extract's rows, or its error.
Result<std::vector<std::string>> extract(const adapters::http::SourceOptions& o) {
  auto source = adapters::http::make_source(o);
  REQUIRE(source);
  Rows rows;
  auto n = (*source)->extract(kWindow, rows);
  if (!n) return fail(n.error());
  return rows.rows;
}

bool sent_secrets(const test::HttpRequest& r) {
  return !r.header("authorization").empty() || !r.header("x-api-key").empty();
}

}  // namespace

TEST_CASE("a well-behaved hostile API is read whole (the fixture's baseline)", "[http]") {
  test::HttpTestServer api(HostileApi{});
  for (auto [type, pointer] :
       {std::pair{PaginationType::next_link, "/next"}, std::pair{PaginationType::next_link, ""},
        std::pair{PaginationType::cursor, "/next_cursor"},
        std::pair{PaginationType::search_after, "/sort"}}) {
    INFO(static_cast<int>(type) << " " << pointer);
    auto rows = extract(options(api, type, pointer));
    REQUIRE(rows);
    CHECK(*rows == std::vector<std::string>{"1|one", "2|two"});
  }
  for (const auto& r : api.requests()) {
    CHECK(r.header("authorization") == "Bearer s3cret");
    CHECK(r.header("x-api-key") == "k3y");
  }
}

TEST_CASE("a next link to another origin is never requested", "[http]") {
  test::HttpTestServer foreign(HostileApi{});
  test::HttpTestServer api(HostileApi{});
  const std::string other_port = "http://127.0.0.1:" + std::to_string(foreign.port());
  const std::string other_name = "http://localhost:" + std::to_string(api.port());
  struct Case {
    const char* name;
    std::string link;
    std::string origin;
  };
  const Case cases[] = {
      {"another port", other_port + "/v1/events?after=2", other_port},
      {"the same server under another name", other_name + "/v1/events?after=2", other_name},
      {"https on the same port", "https://127.0.0.1:" + std::to_string(api.port()) + "/x",
       "https://127.0.0.1:" + std::to_string(api.port())},
      {"user information hiding the host",
       api.base_url() + "@127.0.0.1:" + std::to_string(foreign.port()) + "/v1/events?after=2",
       other_port},
      {"scheme-relative", "//127.0.0.1:" + std::to_string(foreign.port()) + "/v1/events?after=2",
       other_port},
  };
  for (const auto& c : cases) {
    for (const char* pointer : {"/next", ""}) {  // the body, the Link header
      INFO(c.name << std::string(*pointer ? " (body)" : " (Link header)"));
      api.set_handler(HostileApi{Hostile::next_link, c.link});
      api.clear_requests();
      auto rows = extract(options(api, PaginationType::next_link, pointer));
      REQUIRE_FALSE(rows);
      CHECK(rows.error().kind == ErrorKind::permanent);
      CHECK(rows.error().message ==
            "page 1 of " + api.base_url() + "/v1/events?size=2: page 1's next link leads to " +
                c.origin + ", another origin than " + api.base_url() +
                ": not followed (list it in pagination.allowed_origins to follow it)");
      CHECK(api.request_count() == 1);
    }
  }
  CHECK(foreign.connection_count() == 0);
}

TEST_CASE("an allowed other origin is followed without the connection's headers", "[http]") {
  test::HttpTestServer foreign(HostileApi{});
  test::HttpTestServer api(HostileApi{});
  for (const char* pointer : {"/next", ""}) {
    INFO((*pointer ? "body" : "Link header"));
    api.set_handler(HostileApi{Hostile::next_link, foreign.base_url() + "/v1/events?after=2"});
    foreign.clear_requests();
    auto o = options(api, PaginationType::next_link, pointer);
    o.pagination.allowed_origins = {foreign.base_url()};
    auto rows = extract(o);
    REQUIRE(rows);
    CHECK(*rows == std::vector<std::string>{"1|one", "2|two"});
    const auto asked = foreign.requests();
    REQUIRE(asked.size() == 1);
    CHECK(asked[0].target == "/v1/events?after=2");
    CHECK_FALSE(sent_secrets(asked[0]));
    CHECK(asked[0].header("accept") == "application/json");
  }
  for (const auto& r : api.requests()) CHECK(sent_secrets(r));
}

TEST_CASE("next links of other schemes are refused before libcurl sees them", "[http]") {
  test::HttpTestServer listener(HostileApi{});  // what gopher/dict/ftp would talk to
  test::HttpTestServer api(HostileApi{});
  const std::string port = std::to_string(listener.port());
  const std::pair<std::string, std::string> links[] = {
      {"file:///etc/passwd", "file"},
      {"file://localhost/etc/hostname", "file"},
      {"gopher://127.0.0.1:" + port + "/_GET%20/%20HTTP/1.0%0d%0a", "gopher"},
      {"dict://127.0.0.1:" + port + "/d:password", "dict"},
      {"ftp://127.0.0.1:" + port + "/x", "ftp"},
      {"FTP://127.0.0.1:" + port + "/x", "ftp"},
      {"ldap://127.0.0.1:" + port + "/", "ldap"},
      {"telnet://127.0.0.1:" + port, "telnet"},
  };
  for (const auto& [link, scheme] : links) {
    for (const char* pointer : {"/next", ""}) {
      INFO(link << std::string(*pointer ? " (body)" : " (Link header)"));
      api.set_handler(HostileApi{Hostile::next_link, link});
      auto rows = extract(options(api, PaginationType::next_link, pointer));
      REQUIRE_FALSE(rows);
      CHECK(rows.error().kind == ErrorKind::permanent);
      CHECK_THAT(rows.error().message,
                 Catch::EndsWith("page 1's next link has the scheme " + scheme +
                                 ", not http or https: not followed"));
      CHECK_THAT(rows.error().message, !Catch::Contains("root:"));
    }
  }
  CHECK(listener.connection_count() == 0);
}

TEST_CASE("a redirect is not followed, to another host or another scheme", "[http]") {
  test::HttpTestServer foreign(HostileApi{});
  test::HttpTestServer api(HostileApi{});
  for (const std::string& to :
       {foreign.base_url() + "/v1/events", std::string("file:///etc/passwd"),
        api.base_url() + "/v1/events?after=2"}) {
    INFO(to);
    api.set_handler(HostileApi{Hostile::redirect, to});
    auto rows = extract(options(api, PaginationType::next_link));
    REQUIRE_FALSE(rows);
    CHECK(rows.error().kind == ErrorKind::permanent);
    CHECK(rows.error().message == "page 1 of " + api.base_url() +
                                      "/v1/events?size=2: HTTP 302: redirects are not followed; "
                                      "Location: " +
                                      to);
  }
  CHECK(foreign.connection_count() == 0);
}

TEST_CASE("JSON nested deep in any place of a response is a permanent error naming the page",
          "[http]") {
  test::HttpTestServer api(HostileApi{});
  struct Case {
    const char* name;
    Hostile mode;
    PaginationType type;
    const char* pointer;
  };
  const Case cases[] = {
      {"cursor", Hostile::deep_cursor, PaginationType::cursor, "/next_cursor"},
      {"search_after sort values", Hostile::deep_sort_values, PaginationType::search_after,
       "/sort"},
      {"a record's mapped value", Hostile::deep_record, PaginationType::cursor, "/next_cursor"},
      {"an unmapped value", Hostile::deep_sort_values, PaginationType::cursor, "/next_cursor"},
      {"the page itself", Hostile::deep_page, PaginationType::none, ""},
      // A next pointer inside the records: the scanner leaves the value to a DOM of the page.
      {"a next value read from a DOM", Hostile::deep_sort_values, PaginationType::cursor,
       "/items/1/sort"},
  };
  for (const auto& c : cases) {
    for (std::size_t depth : {std::size_t{600}, std::size_t{10000}, std::size_t{100000}}) {
      INFO(c.name << ", depth " << depth);
      api.set_handler(HostileApi{c.mode, {}, depth});
      auto rows = extract(options(api, c.type, c.pointer));
      REQUIRE_FALSE(rows);
      CHECK(rows.error().kind == ErrorKind::permanent);
      CHECK_THAT(rows.error().message,
                 Catch::StartsWith("page 1 of " + api.base_url() + "/v1/events") &&
                     Catch::Contains(": JSON nested deeper than 512 levels at byte ") &&
                     Catch::EndsWith(" (max_json_depth)"));
    }
  }
}

TEST_CASE("at the largest max_json_depth, deep values are read without recursion", "[http]") {
  test::HttpTestServer api(HostileApi{});
  const std::size_t max = adapters::kMaxJsonDepthLimit;
  // Levels above the value: the page, items, a record (and attributes for the note).
  api.set_handler(HostileApi{Hostile::deep_cursor, {}, max - 1});
  auto o = options(api, PaginationType::cursor, "/next_cursor");
  o.client.max_json_depth = max;
  auto rows = extract(o);
  REQUIRE_FALSE(rows);
  CHECK_THAT(rows.error().message,
             Catch::EndsWith("the cursor at /next_cursor is an array, not a token"));

  api.set_handler(HostileApi{Hostile::deep_sort_values, {}, max - 3});
  o = options(api, PaginationType::search_after, "/sort");
  o.client.max_json_depth = max;
  rows = extract(o);
  REQUIRE_FALSE(rows);
  CHECK_THAT(rows.error().message,
             Catch::EndsWith("the sort values at /sort is an array, not a token"));

  o = options(api, PaginationType::cursor, "/items/1/sort");  // read from a DOM of the page
  o.client.max_json_depth = max;
  rows = extract(o);
  REQUIRE_FALSE(rows);
  CHECK_THAT(rows.error().message,
             Catch::EndsWith("the cursor at /items/1/sort is an array, not a token"));

  api.set_handler(HostileApi{Hostile::deep_record, {}, max - 4});
  o = options(api, PaginationType::none, "");
  o.client.max_json_depth = max;
  rows = extract(o);
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0] == "1|" + test::nested_arrays(max - 4, "\"one\""));
}

TEST_CASE("a count answer nested deep is a permanent error naming the count URL", "[http]") {
  test::HttpTestServer api(HostileApi{Hostile::deep_count, {}, 100000});
  auto o = options(api, PaginationType::none, "");
  o.count_path = *time::FieldTemplate::parse("/v1/count");
  o.count_pointer = "/data/count";
  auto source = adapters::http::make_source(o);
  REQUIRE(source);
  auto n = (*source)->count(kWindow);
  REQUIRE_FALSE(n);
  CHECK(n.error().kind == ErrorKind::permanent);
  CHECK(n.error().message == "count " + api.base_url() +
                                 "/v1/count: JSON nested deeper than 512 levels at byte 529 "
                                 "(max_json_depth)");
  api.set_handler(HostileApi{Hostile::deep_count, {}, 3});
  n = (*source)->count(kWindow);
  REQUIRE_FALSE(n);
  CHECK(n.error().message == "count " + api.base_url() +
                                 "/v1/count: expected a count (a non-negative integer) at "
                                 "/data/count, found an array");
  api.set_handler(HostileApi{});
  n = (*source)->count(kWindow);
  REQUIRE(n);
  CHECK(*n == 2);
}

TEST_CASE("an error body of any bytes is quoted as it came", "[http]") {
  const std::string bytes = "bad \xff\xfe token \xc3( \x80";
  test::HttpTestServer api(HostileApi{Hostile::error_body, bytes, {}, 403});
  auto rows = extract(options(api, PaginationType::none, ""));
  REQUIRE_FALSE(rows);
  CHECK(rows.error().kind == ErrorKind::permanent);
  CHECK(rows.error().message == "page 1 of " + api.base_url() + "/v1/events: HTTP 403: " + bytes);
  api.set_handler(HostileApi{Hostile::error_body, bytes, {}, 503});
  rows = extract(options(api, PaginationType::none, ""));
  REQUIRE_FALSE(rows);
  CHECK(rows.error().kind == ErrorKind::retryable);
  CHECK_THAT(rows.error().message, Catch::Contains("HTTP 503: " + bytes + " (after 0 retries)"));
}

TEST_CASE("an endless body stops at page_max_bytes, the buffer never grows past it", "[http]") {
  test::HttpTestServer api(HostileApi{Hostile::endless_body});
  for (std::size_t cap : {std::size_t{1} << 20, std::size_t{3} << 20, std::size_t{5000}}) {
    INFO("cap " << cap);
    auto o = options(api, PaginationType::none, "");
    o.client.page_max_bytes = cap;
    o.client.stats = std::make_shared<adapters::http::FetchStats>();
    auto rows = extract(o);
    REQUIRE_FALSE(rows);
    CHECK(rows.error().kind == ErrorKind::permanent);
    CHECK(rows.error().message == "page 1 of GET " + api.base_url() +
                                      "/v1/events: the response is larger than " +
                                      std::to_string(cap) + " bytes (page_max_bytes)");
    CHECK(o.client.stats->bytes_received <= cap);
    CHECK(o.client.stats->bytes_received + 64 * 1024 > cap);
    CHECK(o.client.stats->peak_buffer <= cap);
  }
}

TEST_CASE("a slow body ends at the timeout, retryable", "[http]") {
  test::HttpTestServer api(HostileApi{Hostile::slow_body});
  auto o = options(api, PaginationType::none, "");
  o.client.timeout = 700ms;
  const auto start = std::chrono::steady_clock::now();
  auto rows = extract(o);
  REQUIRE_FALSE(rows);
  CHECK(rows.error().kind == ErrorKind::retryable);
  CHECK_THAT(rows.error().message,
             Catch::StartsWith("page 1 of GET " + api.base_url() + "/v1/events: ") &&
                 Catch::Contains("timed out"));
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}
