// Timeouts end to end, each on its real server: a pipeline loaded from YAML with
// `timeout: 2s` whose source hangs (PostgreSQL pg_sleep(3600), MariaDB SLEEP(3600), a
// ClickHouse query sleeping a second a row for an hour, an HTTP API that never answers) is
// run by the runner: the statement runs on the server, is gone from its process list (or
// the connection closed) within seconds of the deadline, the window goes back to PENDING for
// a retry with "timeout after 2s in TASK", and no lease stays held. And a worker stuck in a
// call that ignores its cancel (a fake) loses its lease after its deadline: the lease keeper
// stops renewing it, the stale-lock cleanup frees the window, and the worker's late write is
// refused by the run-ID fence.
#include <catch2/catch.hpp>

#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <thread>

#include "framework/store/records.hpp"
#include "tasks/lease_keeper.hpp"
#include "tasks/runner.hpp"
#include "tasks/scheduling.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/config_run.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fakes/fake_hung_source.hpp"
#include "tests/support/files.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/mysql_database.hpp"
#include "tests/support/test_clickhouse.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

using test::kNow;

std::string marker() {
  return "sluice_timeout_" + std::to_string(std::random_device{}());
}

// One hourly window of pipeline `hung` from the connection `upstream` (`connection`: its
// keys, `source`: the source's) into the fixture's dst, with `timeout: 2s`.
std::shared_ptr<const tasks::PipelineRuntime> hung_pipeline(const test::ChainFixture& f,
                                                            const test::TempDir& dir,
                                                            const std::string& connection,
                                                            const std::string& source,
                                                            const config::Environment& env) {
  test::write_file(dir.path() / "sluice.yaml",
                   "stage:\n  root: " + f.stage_root().string() + "\nconnections:\n  upstream:\n" +
                       connection + "  warehouse:\n    kind: postgres\n    url: ${env:PG_URL}\n");
  test::write_file(dir.path() / "pipelines.d" / "hung.yaml",
                   "id: hung\nsource:\n  connection: upstream\n" + source +
                       "target:\n  connection: warehouse\n  table: dst\n"
                       "  time_column: event_time\n"
                       "window:\n  granularity: 1h\n  start_date: 2024-01-01\n"
                       "  end_date: 2024-01-01T01:00:00Z\n"
                       "retries:\n  max: 2\n  base_delay: 1s\n  max_delay: 1s\n"
                       "timeout: 2s\n");
  const auto config = test::load_test_config(dir.path() / "sluice.yaml", env);
  return test::runtime_of(config);
}

// Runs the pipeline once, watching `running` (the statement on the server) meanwhile.
void times_out(const test::ChainFixture& f, std::shared_ptr<const tasks::PipelineRuntime> p,
               const std::function<std::int64_t()>& running) {
  std::atomic<bool> over{false};
  std::atomic<std::int64_t> seen{0};
  std::thread watch([&] {
    while (!over) {
      const auto n = running();
      if (n > seen) seen = n;
      std::this_thread::sleep_for(100ms);
    }
  });
  tasks::Runner runner(f.runner_options(1), {std::move(p)});
  const auto t0 = Clock::now();
  const auto summary = runner.run_once(kNow);
  const auto took = Clock::now() - t0;
  over = true;
  watch.join();
  REQUIRE(summary);
  CHECK(summary->retries == 1);
  CHECK(seen >= 1);  // it did hang on the server
  CHECK(took >= 2s);
  CHECK(took < 10s);
  CHECK(test::poll_until([&] { return running() == 0; }));
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING' AND "
                "retry_attempt = 1 AND next_attempt_at IS NOT NULL AND error_message LIKE "
                "'retryable: timeout after 2s in %'") == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'IN_PROGRESS'") ==
        0);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE outcome = 'RETRY' AND message LIKE "
                "'retryable: timeout after 2s in % (the pipeline''s timeout)'") == 1);
}

}  // namespace

TEST_CASE("PostgreSQL source pg_sleep(3600) with timeout: 2s: cancelled on the server, retried",
          "[integration][timeout][postgres][threads]") {
  test::ChainFixture f;
  test::TempDir dir;
  const std::string mark = marker();
  const auto env = config::Environment::fixed({{"PG_URL", f.db().url()}});
  auto p = hung_pipeline(f, dir, "    kind: postgres\n    url: ${env:PG_URL}\n",
                         "  query: \"SELECT pg_sleep(3600) AS slept, '" + mark +
                             "' AS mark WHERE {window_start} < {window_end}\"\n",
                         env);
  times_out(f, p, [&] {
    return f.count(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%" + mark +
        "%' AND pid <> pg_backend_pid()");
  });
}

TEST_CASE("MariaDB source SLEEP(3600) with timeout: 2s: killed on the server, retried",
          "[integration][timeout][mysql][threads]") {
  SLUICE_REQUIRE_MYSQL();
  test::ChainFixture f;
  test::MysqlDatabase my;
  test::TempDir dir;
  const std::string mark = marker();
  const auto env = config::Environment::fixed({{"PG_URL", f.db().url()}, {"MYSQL_URL", my.url()}});
  auto p = hung_pipeline(f, dir, "    kind: mysql\n    url: ${env:MYSQL_URL}\n",
                         "  query: \"SELECT SLEEP(3600) AS slept, '" + mark +
                             "' AS mark FROM DUAL WHERE {window_start} < {window_end}\"\n",
                         env);
  times_out(f, p, [&] {
    return my.count("SELECT count(*) FROM information_schema.processlist WHERE info LIKE '%" +
                    mark + "%' AND id <> CONNECTION_ID()");
  });
}

TEST_CASE("ClickHouse source sleeping an hour with timeout: 2s: killed on the server, retried",
          "[integration][timeout][clickhouse][threads]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  test::ChainFixture f;
  test::TempDir dir;
  const std::string mark = marker();
  const auto env = config::Environment::fixed({{"PG_URL", f.db().url()}, {"CH_URL", ch->url()}});
  // ClickHouse sleeps at most 3 s per block: one row a block, a second a row.
  auto p = hung_pipeline(
      f, dir,
      "    kind: clickhouse\n    url: ${env:CH_URL}\n    database: " + ch->database() + "\n",
      "  query: \"SELECT sleepEachRow(1) AS slept, '" + mark +
          "' AS mark FROM numbers(3600) WHERE {window_start} < {window_end} SETTINGS "
          "max_block_size = 1\"\n",
      env);
  times_out(f, p, [&] {
    return std::stoll(ch->query("SELECT count() FROM system.processes WHERE query LIKE '%" + mark +
                                "%' AND query NOT LIKE '%system.processes%'"));
  });
}

namespace {

// Client sockets connected to `port` on 127.0.0.1 (ESTABLISHED in /proc/net/tcp).
std::int64_t open_client_connections(std::uint16_t port) {
  std::ifstream tcp("/proc/net/tcp");
  std::string line;
  std::getline(tcp, line);
  std::int64_t n = 0;
  while (std::getline(tcp, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    const auto colon = remote.find(':');
    if (colon != std::string::npos && state == "01" &&
        std::stoul(remote.substr(colon + 1), nullptr, 16) == port)
      ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("HTTP source that never answers with timeout: 2s: the request closed, retried",
          "[integration][timeout][http][threads]") {
  std::atomic<bool> done{false};
  test::HttpTestServer server([&](const test::HttpRequest&) {
    while (!done) std::this_thread::sleep_for(10ms);
    return test::HttpResponse::json("{\"items\": []}");
  });
  struct Release {
    std::atomic<bool>& done;
    ~Release() { done = true; }  // before the server joins its threads
  } release{done};
  test::ChainFixture f;
  test::TempDir dir;
  const auto env =
      config::Environment::fixed({{"PG_URL", f.db().url()}, {"API_URL", server.base_url()}});
  // The connection's own timeout is a minute: the window's deadline cuts it short.
  auto p = hung_pipeline(
      f, dir, "    kind: http\n    base_url: ${env:API_URL}\n    timeout: 1m\n    max_retries: 0\n",
      "  path: /v1/events\n  records_pointer: /items\n  columns: {id: /id}\n", env);
  times_out(f, p, [&] { return open_client_connections(server.port()); });
}

TEST_CASE("a worker stuck in a call that ignores its cancel loses its lease after its deadline",
          "[integration][timeout][lease][threads]") {
  test::ChainFixture f;
  auto p = f.pipeline(1);
  auto stuck = std::make_shared<test::FakeHungSource>(false, std::set<std::string>{"count"});
  p->source = stuck;
  p->timeouts.window = 1s;
  p->stale_threshold = 1s;
  const std::vector<std::shared_ptr<const tasks::PipelineRuntime>> pipelines{p};
  REQUIRE(tasks::Runner(f.runner_options(1), pipelines).generate(kNow));

  auto worker_connection = f.db().connect();
  store::Records worker_records(*worker_connection, "host-a:1");
  tasks::LeaseKeeper keeper(f.db().url(), "host-a:1", 100ms, 300ms);
  std::atomic<int> claims{0};
  const tasks::WorkerSource source{[&] { return tasks::claimable(pipelines); },
                                   [&] { return claims++ == 0; }};
  auto worker = std::async(std::launch::async,
                           [&] { return tasks::claim_and_run(worker_records, keeper, source); });
  REQUIRE(stuck->wait_entered(1, 10s));
  const auto entered = Clock::now();

  auto cleanup_connection = f.db().connect();
  store::Records cleanup_records(*cleanup_connection, "host-b:2");
  const auto policy = tasks::stale_policy(pipelines, 7200s);
  const auto free_stale = [&] {
    auto report = tasks::free_stale_locks(cleanup_records, policy);
    REQUIRE(report);
    return report->returned_to_pending;
  };
  // Before its deadline (1 s) and grace (0.3 s) the lease is renewed, whatever the call does.
  std::this_thread::sleep_for(1100ms);
  CHECK(free_stale() == 0);
  // Then no more: a threshold (1 s) after its last heartbeat the cleanup frees it.
  REQUIRE(test::poll_until([&] { return free_stale() == 1; }, 10s));
  const auto freed = Clock::now() - entered;
  CHECK(freed >= 2s);
  CHECK(freed < 6s);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'PENDING' AND "
                "retry_attempt = 1 AND error_message LIKE 'lock of host-a:1 expired%'") == 1);

  // Another host takes the window; then the stuck call returns at last.
  auto other = cleanup_records.claim(std::vector<store::ClaimLimit>{{p->id, 8, 1}});
  REQUIRE(other);
  REQUIRE(*other);
  stuck->release();
  REQUIRE(worker.wait_for(10s) == std::future_status::ready);
  const auto end = worker.get();
  CHECK(end.summary.lock_lost == 1);
  CHECK(end.summary.retries == 0);
  // Its write was refused: the record is the other host's claim, untouched.
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'IN_PROGRESS' "
                "AND dag_run_id = '" +
                (*other)->run.value + "' AND retry_attempt = 1") == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE host = 'host-a:1' AND task <> "
                "'claim'") == 0);
}
