// Each adapter bounds its calls by the window's deadline, on its real server, and either way
// of ending a hung call works alone: the server-side limit set from the time left (no
// watchdog: PostgreSQL statement_timeout, MariaDB max_statement_time, ClickHouse
// max_execution_time, the HTTP request's total timeout), and the cancel the watchdog sends
// when the deadline is moved up while the call blocks under a limit an hour away (PQcancel,
// KILL QUERY, an aborted transfer). After both, the statement is gone from the server's
// process list, or the HTTP connection is closed.
#include <catch2/catch.hpp>

#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <thread>

#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/http/source.hpp"
#include "framework/adapters/mysql/mysql.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "tests/integration/adapters/clickhouse_cases.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/mysql_database.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Clock = Deadline::Clock;

namespace {

// Text only this test's statement holds, to find it in a process list shared with others.
std::string marker() {
  return "sluice_deadline_" + std::to_string(std::random_device{}());
}

adapters::WindowContext window_of(Deadline* deadline) {
  const Instant start = test::kFixtureStart;
  return {PipelineId{"orders"}, Window{start, start + std::chrono::hours(1)},
          RunId{"manual__deadline"}, nullptr, deadline};
}

// The call under the server's limit alone: it ends soon after the deadline, retryable, with
// the error that names the limit (`said`).
void ends_by_the_limit(adapters::Source& source, std::chrono::milliseconds left,
                       const std::function<std::int64_t()>& running, const std::string& said) {
  Deadline deadline(Clock::now() + left);
  const auto t0 = Clock::now();
  auto n = source.count(window_of(&deadline));
  const auto took = Clock::now() - t0;
  REQUIRE_FALSE(n);
  INFO(n.error().message);
  CHECK(n.error().kind == ErrorKind::retryable);
  CHECK_THAT(n.error().message, Contains(said));
  CHECK(took >= left);
  CHECK(took < left + 4s);
  CHECK(test::poll_until([&] { return running() == 0; }));
}

// The call under a limit an hour away, its deadline moved up once the server runs it: the
// watchdog's cancel ends it. Returns the error it ended with.
Error ends_by_the_cancel(adapters::Source& source, const std::function<std::int64_t()>& running) {
  Deadline deadline(Clock::now() + 1h);
  Watchdog watchdog(deadline);
  auto call = std::async(std::launch::async, [&] { return source.count(window_of(&deadline)); });
  REQUIRE(test::poll_until([&] { return running() == 1; }));
  const auto cancelled_at = Clock::now();
  deadline.set(cancelled_at);
  REQUIRE(call.wait_for(5s) == std::future_status::ready);
  auto n = call.get();
  CHECK(Clock::now() - cancelled_at < 5s);
  REQUIRE_FALSE(n);
  CHECK(test::poll_until([&] { return running() == 0; }));
  return n.error();
}

}  // namespace

TEST_CASE("PostgreSQL: a hung statement ends by statement_timeout, or by PQcancel",
          "[integration][postgres][timeout][threads]") {
  test::TestDatabase db;
  const std::string mark = marker();
  auto source = adapters::postgres::make_source(
      {db.url(), "SELECT pg_sleep(3600) AS slept, '" + mark + "' AS mark", std::nullopt, ""});
  const auto running = [&] {
    auto c = db.connect();
    return test::count(*c,
                       "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query "
                       "LIKE '%" +
                           mark + "%' AND pid <> pg_backend_pid()");
  };
  SECTION("the server's limit") {
    ends_by_the_limit(*source, 1500ms, running, "canceling statement due to statement timeout");
  }
  SECTION("the watchdog's cancel") {
    const Error e = ends_by_the_cancel(*source, running);
    CHECK_THAT(e.message, Contains("canceling statement due to user request"));
  }
  SECTION("a deadline passed already: nothing is sent") {
    Deadline deadline(Clock::now() - 1ms);
    auto n = source->count(window_of(&deadline));
    REQUIRE_FALSE(n);
    CHECK_THAT(n.error().message, Contains("deadline has passed"));
  }
}

TEST_CASE("MariaDB: a hung statement ends by max_statement_time, or by KILL QUERY",
          "[integration][mysql][timeout][threads]") {
  SLUICE_REQUIRE_MYSQL();
  test::MysqlDatabase db;
  const std::string mark = marker();
  auto source = adapters::mysql::make_source(
      {db.params(), "SELECT SLEEP(3600) AS slept, '" + mark + "' AS mark", std::nullopt, ""});
  const auto running = [&] {
    return db.count("SELECT count(*) FROM information_schema.processlist WHERE info LIKE '%" +
                    mark + "%' AND id <> CONNECTION_ID()");
  };
  SECTION("the server's limit") {
    ends_by_the_limit(*source, 1500ms, running, "max_statement_time exceeded");
  }
  SECTION("the watchdog's cancel") {
    const Error e = ends_by_the_cancel(*source, running);
    CHECK_THAT(e.message, Contains("Query execution was interrupted (error 1317)"));
  }
  SECTION("a call without a deadline on the pooled connection of one with it is unlimited") {
    auto short_sleep = adapters::mysql::make_source(
        {db.params(), "SELECT SLEEP(2) AS slept, '" + mark + "' AS mark", std::nullopt, ""});
    ends_by_the_limit(*short_sleep, 1s, running, "max_statement_time exceeded");
    auto n = short_sleep->count(window_of(nullptr));
    REQUIRE(n);
    CHECK(*n == 1);
  }
}

TEST_CASE("ClickHouse: a hung query ends by max_execution_time, or by KILL QUERY",
          "[integration][clickhouse][timeout][threads]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  const std::string mark = marker();
  // ClickHouse sleeps at most 3 s per block: one row a block, a second a row.
  auto source = adapters::clickhouse::make_source(
      {test::ch_cases::connection(*ch),
       "SELECT sleepEachRow(1) AS slept, '" + mark +
           "' AS mark FROM numbers(3600) SETTINGS max_block_size = 1",
       std::nullopt, ""});
  const auto running = [&] {
    return std::stoll(ch->query("SELECT count() FROM system.processes WHERE query LIKE '%" + mark +
                                "%' AND query NOT LIKE '%system.processes%'"));
  };
  SECTION("the server's limit") {
    ends_by_the_limit(*source, 1500ms, running, "Code 159: Timeout exceeded");
  }
  SECTION("the watchdog's cancel") {
    const Error e = ends_by_the_cancel(*source, running);
    CHECK_THAT(e.message, Contains("cancelled"));
  }
}

namespace {

// Client sockets connected to `port` on 127.0.0.1 (ESTABLISHED in /proc/net/tcp): a request
// the client closed leaves none, whatever the server still does.
std::int64_t open_client_connections(std::uint16_t port) {
  std::ifstream tcp("/proc/net/tcp");
  std::string line;
  std::getline(tcp, line);  // the header
  std::int64_t n = 0;
  while (std::getline(tcp, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    const auto colon = remote.find(':');
    if (colon == std::string::npos || state != "01") continue;
    if (std::stoul(remote.substr(colon + 1), nullptr, 16) == port) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("HTTP: a request never answered ends at the deadline, or by its cancel",
          "[integration][http][timeout][threads]") {
  std::atomic<bool> done{false};
  test::HttpTestServer server([&](const test::HttpRequest&) {
    while (!done) std::this_thread::sleep_for(10ms);  // never answers while the test runs
    return test::HttpResponse::json("{}");
  });
  struct Release {
    std::atomic<bool>& done;
    ~Release() { done = true; }  // before the server joins its threads
  } release{done};
  adapters::http::SourceOptions o;
  o.client.base_url = config::Secret::literal(server.base_url(), config::Secrecy::url);
  o.client.timeout = 60s;
  o.client.retry = {0, 10ms, 10ms};
  o.path = *time::FieldTemplate::parse("/v1/events");
  o.records_pointer = "/items";
  o.columns = {{"id", "/id"}};
  auto source = adapters::http::make_source(std::move(o));
  REQUIRE(source);
  const auto running = [&] { return open_client_connections(server.port()); };
  SECTION("the request's total timeout, capped by the deadline") {
    ends_by_the_limit(**source, 1500ms, running, "timed out");
  }
  SECTION("the watchdog's cancel") {
    const Error e = ends_by_the_cancel(**source, running);
    CHECK_THAT(e.message, Contains("cancelled"));
  }
}
