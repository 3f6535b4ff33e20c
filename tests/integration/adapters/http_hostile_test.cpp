// The HTTP source through the real chain and runner against an API that goes wrong on
// purpose (tests/support/hostile_api.hpp): a next link to another host or scheme, JSON nested
// deep in each place, an endless and a slow body. Each window ends FAILED with a classified
// error naming the page or URL, the process goes on, the other host hears nothing, and the
// new keys (allowed_origins, page_max_bytes, max_json_depth) work from the config files.
#include <catch2/catch.hpp>

#include "framework/adapters/http/source.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/config_run.hpp"
#include "tests/support/files.hpp"
#include "tests/support/hostile_api.hpp"
#include "tests/support/http_test_server.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using test::Hostile;
using test::HostileApi;

namespace {

using test::kNow;

// The one window's status and error message.
std::string outcome(const test::ChainFixture& f) {
  auto c = f.db().connect();
  auto r = test::run_sql(*c,
                         "SELECT pipeline_status || ' ' || coalesce(error_message, '') FROM "
                         "pipeline_records");
  return r.empty() ? std::string() : r[0][0].as<std::string>();
}

// A config of one HTTP pipeline over `api` (one hourly window), `extra_connection` and
// `pagination` added to its sections; run once.
tasks::RunSummary run_config(test::ChainFixture& f, const test::HttpTestServer& api,
                             const std::string& extra_connection, const std::string& pagination,
                             const std::string& extra_source = {}) {
  test::TempDir dir;
  test::write_file(dir.path() / "sluice.yaml", R"(stage:
  root: )" + f.stage_root().string() + R"(
connections:
  events_api:
    kind: http
    base_url: )" + api.base_url() + R"(
    auth_header: Bearer ${env:API_TOKEN}
    headers:
      X-Client: sluice
    max_retries: 0
)" + extra_connection + R"(
  warehouse:
    kind: postgres
    url: )" + f.db().url() + "\n");
  test::write_file(dir.path() / "pipelines.d" / "api.yaml", R"(id: api_events
retries:
  max: 0
source:
  connection: events_api
  path: /v1/events
  records_pointer: /items
  columns:
    id: /id
    event_time: /time
    note: /attributes/note
    amount: /amount
  time_column: event_time
  pagination:
    page_size: 2
)" + pagination + extra_source + R"(
target:
  connection: warehouse
  table: dst
window:
  granularity: 1h
  start_date: 2024-01-01T00:00:00Z
  end_date: 2024-01-01T01:00:00Z
)");
  const auto env = config::Environment::fixed({{"API_TOKEN", "tok-from-env"}});
  tasks::Runner runner(f.runner_options(1),
                       {test::runtime_of(test::load_test_config(dir.path() / "sluice.yaml", env))});
  auto summary = runner.run_once(kNow);
  REQUIRE(summary);
  return *summary;
}

}  // namespace

TEST_CASE("a next link off the origin fails the window, a listed origin gets no headers",
          "[integration][http]") {
  test::ChainFixture f;
  test::HttpTestServer foreign(HostileApi{});
  test::HttpTestServer api(
      HostileApi{Hostile::next_link, foreign.base_url() + "/v1/events?after=2"});

  SECTION("not listed: FAILED permanent, the other host never reached") {
    for (const char* pointer : {"    next_pointer: /next\n", ""}) {  // body, Link header
      INFO(pointer);
      const auto summary = run_config(f, api, "", "    type: next_link\n" + std::string(pointer));
      CHECK(summary.failed == 1);
      CHECK(outcome(f) == "FAILED permanent: page 1 of " + api.base_url() +
                              "/v1/events?size=2: page 1's next link leads to " +
                              foreign.base_url() + ", another origin than " + api.base_url() +
                              ": not followed (list it in pagination.allowed_origins to follow "
                              "it)");
      CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE message LIKE "
                    "'%another origin%'") >= 1);
      CHECK(f.count("SELECT count(*) FROM dst") == 0);
      f.exec("TRUNCATE pipeline_records CASCADE");
    }
    CHECK(foreign.connection_count() == 0);
  }
  SECTION("listed: the window loads, the other origin gets neither auth nor headers") {
    const auto summary = run_config(f, api, "",
                                    "    type: next_link\n    next_pointer: /next\n"
                                    "    allowed_origins: [\"" +
                                        foreign.base_url() + "\"]\n");
    CHECK(summary.success == 1);
    CHECK(f.count("SELECT count(*) FROM dst") == 2);
    REQUIRE(foreign.request_count() >= 1);
    for (const auto& r : foreign.requests()) {
      CHECK(r.header("authorization").empty());
      CHECK(r.header("x-client").empty());
    }
    for (const auto& r : api.requests()) CHECK(r.header("authorization") == "Bearer tok-from-env");
  }
}

TEST_CASE("a next link of another scheme fails the window and reads nothing",
          "[integration][http]") {
  test::ChainFixture f;
  test::TempDir dir;
  test::write_file(dir.path() / "local.txt", "local-file-line\n");
  test::HttpTestServer listener(HostileApi{});
  test::HttpTestServer api(HostileApi{});
  const std::string port = std::to_string(listener.port());
  for (const auto& [link, scheme] :
       {std::pair{"file://" + (dir.path() / "local.txt").string(), "file"},
        std::pair{"gopher://127.0.0.1:" + port + "/_x", "gopher"},
        std::pair{"dict://127.0.0.1:" + port + "/d:x", "dict"},
        std::pair{"ftp://127.0.0.1:" + port + "/x", "ftp"}}) {
    INFO(link);
    api.set_handler(HostileApi{Hostile::next_link, link});
    const auto summary = run_config(f, api, "", "    type: next_link\n    next_pointer: /next\n");
    CHECK(summary.failed == 1);
    const auto error = outcome(f);
    CHECK_THAT(error,
               Catch::StartsWith("FAILED permanent: page 1 of ") &&
                   Catch::EndsWith("page 1's next link has the scheme " + std::string(scheme) +
                                   ", not http or https: not followed"));
    CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE message LIKE "
                  "'%local-file-line%'") == 0);
    f.exec("TRUNCATE pipeline_records CASCADE");
  }
  CHECK(listener.connection_count() == 0);
}

TEST_CASE("deep JSON anywhere fails the window, permanent, naming the page or the count URL",
          "[integration][http]") {
  test::ChainFixture f;
  test::HttpTestServer api(HostileApi{});
  struct Case {
    const char* name;
    Hostile mode;
    std::string pagination;
    std::string source;
    std::string where;
  };
  const Case cases[] = {
      {"cursor", Hostile::deep_cursor, "    type: cursor\n    next_pointer: /next_cursor\n", "",
       "page 1 of " + api.base_url() + "/v1/events?size=2: "},
      {"sort values", Hostile::deep_sort_values,
       "    type: search_after\n    next_pointer: /sort\n", "",
       "page 1 of " + api.base_url() + "/v1/events?size=2: "},
      {"a record", Hostile::deep_record, "    type: none\n", "",
       "page 1 of " + api.base_url() + "/v1/events: "},
      {"the page", Hostile::deep_page, "    type: none\n", "",
       "page 1 of " + api.base_url() + "/v1/events: "},
      {"the count answer", Hostile::deep_count, "    type: none\n",
       "  count_path: /v1/count\n  count_pointer: /data/count\n",
       "count " + api.base_url() + "/v1/count: "},
  };
  for (const auto& c : cases) {
    for (std::size_t depth : {std::size_t{20}, std::size_t{100000}}) {
      INFO(c.name << ", depth " << depth);
      api.set_handler(HostileApi{c.mode, {}, depth});
      // A limit of 8: 20 levels are too many already.
      const auto summary = run_config(f, api, "    max_json_depth: 8\n", c.pagination, c.source);
      CHECK(summary.failed == 1);
      const auto error = outcome(f);
      CHECK_THAT(error, Catch::StartsWith("FAILED permanent: " + c.where +
                                          "JSON nested deeper than 8 levels at byte ") &&
                            Catch::EndsWith(" (max_json_depth)"));
      f.exec("TRUNCATE dst; TRUNCATE pipeline_records CASCADE");
    }
  }
  // The default limit, 512: 20 levels load.
  api.set_handler(HostileApi{Hostile::deep_record, {}, 20});
  CHECK(run_config(f, api, "", "    type: none\n").success == 1);
  auto c = f.db().connect();
  CHECK(test::run_sql(*c, "SELECT note FROM dst WHERE id = 1")[0][0].as<std::string>() ==
        test::nested_arrays(20, "\"one\""));
}

TEST_CASE("an endless body fails at page_max_bytes with its buffer bounded, a slow one times out",
          "[integration][http]") {
  test::ChainFixture f;
  test::HttpTestServer api(HostileApi{Hostile::endless_body});

  SECTION("from the config: page_max_bytes") {
    const auto summary = run_config(f, api, "    page_max_bytes: 1048576\n", "    type: none\n");
    CHECK(summary.failed == 1);
    CHECK(outcome(f) == "FAILED permanent: page 1 of GET " + api.base_url() +
                            "/v1/events: the response is larger than 1048576 bytes "
                            "(page_max_bytes)");
    CHECK(f.count("SELECT count(*) FROM dst") == 0);
  }
  SECTION("the buffer that took it, measured") {
    adapters::http::SourceOptions o;
    o.client.base_url = config::Secret::literal(api.base_url(), config::Secrecy::url);
    o.client.retry = {0, 10ms, 10ms};
    o.client.page_max_bytes = 2u << 20;
    o.client.stats = std::make_shared<adapters::http::FetchStats>();
    o.path = *time::FieldTemplate::parse("/v1/events");
    o.records_pointer = "/items";
    o.columns = {{"id", "/id"},
                 {"event_time", "/time"},
                 {"note", "/attributes/note"},
                 {"amount", "/amount"}};
    auto p = f.pipeline(1, "api_events");
    auto source = adapters::http::make_source(o);
    REQUIRE(source);
    p->source = std::move(*source);
    p->max_retries = 0;
    tasks::Runner runner(f.runner_options(1), {p});
    REQUIRE(runner.run_once(kNow));
    CHECK_THAT(outcome(f), Catch::StartsWith("FAILED permanent: ") &&
                               Catch::EndsWith("larger than 2097152 bytes (page_max_bytes)"));
    CHECK(o.client.stats->peak_buffer <= o.client.page_max_bytes);
    CHECK(o.client.stats->bytes_received <= 2 * o.client.page_max_bytes);  // two attempts at most
  }
  SECTION("a slow body: the timeout, retryable") {
    api.set_handler(HostileApi{Hostile::slow_body});
    const auto summary = run_config(f, api, "    timeout: 1s\n", "    type: none\n");
    CHECK(summary.failed == 1);
    CHECK_THAT(outcome(f), Catch::StartsWith("FAILED retryable: page 1 of GET " + api.base_url() +
                                             "/v1/events: ") &&
                               Catch::Contains("timed out"));
  }
}
