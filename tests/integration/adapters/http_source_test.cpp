// HTTP JSON API -> PostgreSQL through the real chain and runner, against a local server
// serving the fixture's rows as paginated JSON: three windows (one empty), NULLs, unicode,
// quotes and newlines, pages, counts audited, re-runs idempotent; and every way an API goes
// wrong ending as a clear, classified error in the record.
#include <catch2/catch.hpp>

#include <atomic>

#include "framework/adapters/http/source.hpp"
#include "framework/config/load.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/config_run.hpp"
#include "tests/support/fake_events_api.hpp"
#include "tests/support/files.hpp"
#include "tests/support/http_test_server.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using adapters::http::PaginationType;

namespace {

using test::kNow;

// The fixture's src rows as API records: the note nested one level down, times as text.
nlohmann::json src_as_records(const test::ChainFixture& f) {
  auto c = f.db().connect();
  const auto text =
      test::run_sql(*c,
                    "SELECT coalesce(json_agg(json_build_object('id', id, 'time', "
                    "to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
                    "'attributes', json_build_object('note', note), 'amount', amount) ORDER BY "
                    "event_time, id), "
                    "'[]')::text FROM src")[0][0]
          .as<std::string>();
  return nlohmann::json::parse(text);
}

// Three hourly windows, the middle one empty, and a row whose note is nearly everything a
// text can hold: backslash, JSON-looking text, tab, newline, quotes, unicode.
void seed(test::ChainFixture& f) {
  f.seed_source(3, 7);
  f.exec(
      "DELETE FROM src WHERE event_time >= '2024-01-01T01:00Z' AND event_time < "
      "'2024-01-01T02:00Z';"
      "INSERT INTO src VALUES (999, '2024-01-01T02:59:59Z', "
      "E'back\\\\slash {\"j\": [1]} \\t tab \\n line ''single'' \"double\" 日本語 🎉', NULL)");
}

adapters::http::SourceOptions options(const std::string& base_url, PaginationType type) {
  adapters::http::SourceOptions o;
  o.client.base_url = config::Secret::literal(base_url, config::Secrecy::url);
  o.client.auth_header = config::Secret::resolved("Bearer ${env:API_TOKEN}", "Bearer s3cret-token",
                                                  config::Secrecy::opaque);
  o.client.retry = {3, 50ms, 3s};
  o.client.timeout = 5s;
  o.path = *time::FieldTemplate::parse("/v1/events");
  o.query = {{"from", *time::FieldTemplate::parse("{window_start:%FT%TZ}")},
             {"to", *time::FieldTemplate::parse("{window_end:%FT%TZ}")}};
  o.records_pointer = "/items";
  o.columns = {
      {"id", "/id"}, {"event_time", "/time"}, {"note", "/attributes/note"}, {"amount", "/amount"}};
  o.pagination.type = type;
  o.pagination.page_size = 3;
  if (type == PaginationType::cursor) o.pagination.next_pointer = "/next_cursor";
  if (type == PaginationType::next_link) o.pagination.next_pointer = "/next";
  return o;
}

std::shared_ptr<tasks::PipelineRuntime> http_pipeline(test::ChainFixture& f, int windows,
                                                      adapters::http::SourceOptions o) {
  auto p = f.pipeline(windows, "api_events");
  auto source = adapters::http::make_source(std::move(o));
  REQUIRE(source);
  p->source = std::move(*source);
  p->source_name = "events_api";
  p->max_retries = 0;
  return p;
}

tasks::RunSummary run(test::ChainFixture& f, std::shared_ptr<tasks::PipelineRuntime> p) {
  tasks::Runner runner(f.runner_options(2), {p});
  auto s = runner.run_once(kNow);
  REQUIRE(s);
  return *s;
}

}  // namespace

TEST_CASE("an HTTP API's windows are copied exactly, page by page, and audited",
          "[integration][http]") {
  test::ChainFixture f;
  seed(f);
  test::HttpTestServer server(test::FakeEventsApi(src_as_records(f)));
  struct Case {
    const char* name;
    PaginationType type;
    bool count_endpoint;
  };
  const Case cases[] = {
      {"page numbers, count endpoint", PaginationType::page, true},
      {"offsets, counted by reading", PaginationType::offset, false},
      {"cursor", PaginationType::cursor, false},
      {"next link in the body", PaginationType::next_link, true},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      auto o = options(server.base_url(), c.type);
      if (c.count_endpoint) o.count_path = *time::FieldTemplate::parse("/v1/count");
      o.count_pointer = "/data/count";
      auto p = http_pipeline(f, 3, o);
      const auto summary = run(f, p);
      CHECK(summary.success == 2);
      CHECK(summary.skipped == 1);  // the empty window: source and target agree on 0
      CHECK(f.source_target_difference() == 0);
      CHECK(f.count("SELECT count(*) FROM dst") == 15);
      CHECK(f.count("SELECT count(*) FROM dst WHERE note IS NULL") == 4);
      CHECK(f.count("SELECT count(*) FROM dst WHERE id = 999 AND note = E'back\\\\slash {\"j\": "
                    "[1]} \\t tab "
                    "\\n line ''single'' \"double\" 日本語 🎉' AND amount IS NULL") == 1);
      CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                    "audit_result = "
                    "'PASS' AND source_count = target_count") == 2);
      CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE source_count = 0 AND "
                    "window_start_time = "
                    "'2024-01-01T01:00Z'") == 1);
      // The window reached the API in the query, encoded; the secret in the auth header.
      const auto requests = server.requests();
      REQUIRE_FALSE(requests.empty());
      for (const auto& r : requests) CHECK(r.header("authorization") == "Bearer s3cret-token");
      CHECK(std::any_of(requests.begin(), requests.end(), [](const test::HttpRequest& r) {
        return r.target.find("from=2024-01-01T02:00:00Z&to=2024-01-01T03:00:00Z") !=
               std::string::npos;
      }));
      // Window 0 has 7 rows in pages of 3: three pages to extract; counting by reading adds the
      // first page (has_rows, the target being empty) and three more (the audit).
      const auto window0_pages =
          std::count_if(requests.begin(), requests.end(), [](const test::HttpRequest& r) {
            return r.path == "/v1/events" && r.param("from") == "2024-01-01T00:00:00Z";
          });
      CHECK(window0_pages == (c.count_endpoint ? 3 : 7));

      // Re-running every window from the extract on leaves the target as it is.
      f.exec(
          "UPDATE pipeline_records SET pipeline_status = 'PENDING', phase_completed = "
          "'PRE_VALIDATION'");
      const auto again = run(f, p);
      CHECK(again.success + again.skipped == 3);
      CHECK(f.count("SELECT count(*) FROM dst") == 15);
      CHECK(f.source_target_difference() == 0);
      f.exec("TRUNCATE dst; TRUNCATE pipeline_records CASCADE");
      server.clear_requests();
    }
  }
}

TEST_CASE("HTTP API failures end as clear, classified errors in the record",
          "[integration][http]") {
  test::ChainFixture f;
  seed(f);
  const auto records = src_as_records(f);
  const test::FakeEventsApi api(records);
  std::atomic<int> calls{0};
  test::HttpTestServer server(api);
  auto o = options(server.base_url(), PaginationType::page);
  auto record_error = [&] {
    auto c = f.db().connect();
    auto r = test::run_sql(
        *c, "SELECT pipeline_status || ' ' || coalesce(error_message, '') FROM pipeline_records");
    return r.empty() ? std::string() : r[0][0].as<std::string>();
  };

  SECTION("server unreachable: retryable, naming the URL") {
    o.client.base_url = config::Secret::literal("http://127.0.0.1:1", config::Secrecy::url);
    run(f, http_pipeline(f, 1, o));
    const auto error = record_error();
    CHECK_THAT(error, Catch::StartsWith("FAILED retryable: "));
    CHECK_THAT(error, Catch::Contains("http://127.0.0.1:1/v1/events?from=2024-01-01T00:00:00Z"));
  }
  SECTION("a malformed JSON page: permanent, naming the page, and nothing loaded") {
    server.set_handler([&](const test::HttpRequest& r) {
      if (r.param("page") == "2") return test::HttpResponse::json(R"({"items": [{"id": 1,)");
      return api(r);
    });
    run(f, http_pipeline(f, 1, o));
    const auto error = record_error();
    CHECK_THAT(error, Catch::StartsWith("FAILED permanent: "));
    CHECK_THAT(error, Catch::Contains("page 2 of http://127.0.0.1:"));
    CHECK_THAT(error, Catch::Contains("malformed JSON"));
    CHECK(f.count("SELECT count(*) FROM dst") == 0);
  }
  SECTION("HTTP 500 then 200: retried, SUCCESS") {
    server.set_handler([&](const test::HttpRequest& r) {
      if (r.path == "/v1/events" && calls++ == 1)
        return test::HttpResponse::json(R"({"error": "oops"})", 500);
      return api(r);
    });
    const auto summary = run(f, http_pipeline(f, 1, o));
    CHECK(summary.success == 1);
    CHECK(record_error() == "SUCCESS ");
    CHECK(f.source_target_difference() == 0);
  }
  SECTION("429 with Retry-After: the wait is honoured") {
    server.set_handler([&](const test::HttpRequest& r) {
      if (r.path == "/v1/events" && calls++ == 0) {
        auto busy = test::HttpResponse::json(R"({"error": "slow down"})", 429);
        busy.headers.emplace_back("Retry-After", "1");
        return busy;
      }
      return api(r);
    });
    CHECK(run(f, http_pipeline(f, 1, o)).success == 1);
    std::vector<test::HttpRequest> events;
    for (const auto& r : server.requests())
      if (r.path == "/v1/events") events.push_back(r);
    REQUIRE(events.size() >= 2);
    CHECK(events[0].target == events[1].target);
    CHECK(events[1].received - events[0].received >= 1s);
  }
  SECTION("401: permanent at once, the token never shown") {
    server.set_handler([&](const test::HttpRequest& r) {
      calls++;
      (void)r;
      return test::HttpResponse::json(R"({"error": "invalid token"})", 401);
    });
    run(f, http_pipeline(f, 1, o));
    const auto error = record_error();
    CHECK_THAT(error, Catch::StartsWith("FAILED permanent: "));
    CHECK_THAT(error, Catch::Contains("401"));
    CHECK_THAT(error, !Catch::Contains("s3cret"));
    CHECK(calls == 1);  // not retried
  }
  SECTION("a slow server: the timeout is a retryable error") {
    o.client.timeout = 300ms;
    server.set_handler([&](const test::HttpRequest& r) {
      auto slow = api(r);
      slow.delay = 1s;
      return slow;
    });
    run(f, http_pipeline(f, 1, o));
    CHECK_THAT(record_error(), Catch::StartsWith("FAILED retryable: "));
  }
}

TEST_CASE("an HTTP pipeline from config: templates, secret auth header, probe",
          "[integration][http]") {
  test::ChainFixture f;
  seed(f);
  test::HttpTestServer server(test::FakeEventsApi(src_as_records(f)));
  test::TempDir dir;
  test::write_file(dir.path() / "sluice.yaml", R"(stage:
  root: )" + f.stage_root().string() + R"(
connections:
  events_api:
    kind: http
    base_url: )" + server.base_url() + R"(
    auth_header: Bearer ${env:API_TOKEN}
    headers:
      X-Client: sluice
    rate_limit: 50
  warehouse:
    kind: postgres
    url: )" + f.db().url() + "\n");
  test::write_file(dir.path() / "pipelines.d" / "api.yaml", R"(id: api_events
source:
  connection: events_api
  path: "/v1/events"
  query:
    from: "{window_start:%FT%TZ}"
    to: "{window_end:%FT%TZ}"
  records_pointer: /items
  columns:
    id: /id
    event_time: /time
    note: /attributes/note
    amount: /amount
  time_column: event_time
  pagination:
    type: next_link
    page_size: 2
    next_pointer: /next
  count_path: "/v1/count?from={window_start:%FT%TZ}&to={window_end:%FT%TZ}"
  count_pointer: /data/count
target:
  connection: warehouse
  table: dst
window:
  granularity: 1h
  start_date: 2024-01-01T00:00:00Z
  end_date: 2024-01-01T03:00:00Z
)");
  const auto env = config::Environment::fixed({{"API_TOKEN", "tok-from-env"}});
  const auto config = test::load_test_config(dir.path() / "sluice.yaml", env);
  tasks::Runner runner(f.runner_options(1), {test::runtime_of(config)});
  auto summary = runner.run_once(kNow);
  REQUIRE(summary);
  CHECK(summary->success == 2);
  CHECK(summary->skipped == 1);
  CHECK(f.source_target_difference() == 0);
  for (const auto& r : server.requests()) {
    CHECK(r.header("authorization") == "Bearer tok-from-env");
    CHECK(r.header("x-client") == "sluice");
  }

  const auto* api = config.daemon.find_connection("events_api");
  REQUIRE(api);
  auto probe = api->adapter->probe(*api);
  REQUIRE(probe);
  CHECK(*probe == "HTTP 404 from " + server.base_url());
  server.set_handler([](const test::HttpRequest&) { return test::HttpResponse::json("{}", 401); });
  probe = api->adapter->probe(*api);
  REQUIRE_FALSE(probe);
  CHECK(probe.error().kind == ErrorKind::permanent);
  CHECK(probe.error().message == server.base_url() + ": HTTP 401 (check auth_header)");
}
