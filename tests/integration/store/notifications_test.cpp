// store::Notifications on a real PostgreSQL: what the triggers NOTIFY reaches the handlers on
// read(), and a connection killed under it is a connection_lost Error, not a hang.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "framework/store/notifications.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

// Reads until `done` holds or `limit` passes.
bool read_until(store::Notifications& n, const std::function<bool()>& done,
                std::chrono::milliseconds limit = 2s) {
  for (auto until = std::chrono::steady_clock::now() + limit;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(10ms)) {
    REQUIRE(n.read());
    if (done()) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("notifications reach their handlers, a killed connection is reported lost",
          "[integration][store][notify]") {
  test::TestDatabase db;
  db.migrate();
  auto writer = db.connect();
  int records = 0, backfill = 0;
  auto opened = store::Notifications::open(db.url(), {[&] { ++records; }, [&] { ++backfill; }});
  REQUIRE(opened);
  auto& n = **opened;
  CHECK(n.socket() >= 0);
  CHECK(n.read());  // nothing yet
  CHECK(records + backfill == 0);

  test::run_sql(*writer,
                "INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, "
                "window_end_time, time_interval, pipeline_status) VALUES ('orders', "
                "'2024-01-01', '2024-01-01', '2024-01-01T01:00Z', '1h', 'PENDING')");
  CHECK(read_until(n, [&] { return records == 1; }));
  test::run_sql(*writer,
                "INSERT INTO backfill_requests (pipeline_id, from_time, to_time, reprocess, "
                "requested_by) VALUES ('orders', '2024-01-01', '2024-01-02', 'missing', 't')");
  CHECK(read_until(n, [&] { return backfill == 1; }));
  CHECK(records == 1);

  test::run_sql(*writer,
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'sluice-listen' AND datname = current_database()");
  Result<void> read;
  for (auto until = std::chrono::steady_clock::now() + 5s;
       read && std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(10ms))
    read = n.read();
  REQUIRE_FALSE(read);
  CHECK(read.error().connection_lost);
}

TEST_CASE("notifications refuse an unreachable server with a classified error",
          "[integration][store][notify]") {
  auto opened = store::Notifications::open(
      "postgresql://nobody:secret-pw@127.0.0.1:1/none?connect_timeout=2", {});
  REQUIRE_FALSE(opened);
  CHECK(opened.error().kind == ErrorKind::retryable);
  CHECK(opened.error().message.find("secret-pw") == std::string::npos);
}

TEST_CASE("the console's changes: one per pipeline and statement, none for a heartbeat",
          "[integration][store][notify]") {
  test::TestDatabase db;
  db.migrate();
  auto writer = db.connect();
  std::vector<std::string> changes;
  auto opened = store::Notifications::open(
      db.url(), {{}, {}, [&](const std::string& payload) { changes.push_back(payload); }});
  REQUIRE(opened);
  auto& n = **opened;
  // What a statement sent: the first notification, then a moment for any that follow it (a
  // statement's notifications arrive together, at its commit).
  const auto settle = [&] {
    read_until(
        n, [&] { return !changes.empty(); }, 500ms);
    read_until(
        n, [] { return false; }, 100ms);
    auto seen = changes;
    changes.clear();
    return seen;
  };

  // 48 windows of two pipelines in one statement: one change per pipeline.
  test::run_sql(*writer,
                "INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, "
                "window_end_time, time_interval) SELECT p, '2024-01-01', t, t + interval '1h', "
                "'1h' FROM unnest(ARRAY['orders', 'users']) p, generate_series("
                "'2024-01-01'::timestamptz, '2024-01-01T23:00Z', '1 hour') t");
  auto seen = settle();
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<std::string>{R"({"kind" : "record", "pipeline" : "orders"})",
                                         R"({"kind" : "record", "pipeline" : "users"})"});

  // A heartbeat leaves the status alone: nothing; a status change: its pipeline.
  test::run_sql(*writer, "UPDATE pipeline_records SET heartbeat_at = now()");
  CHECK(settle().empty());
  test::run_sql(*writer,
                "UPDATE pipeline_records SET pipeline_status = 'SKIPPED' "
                "WHERE pipeline_id = 'users' AND window_start_time = '2024-01-01'");
  CHECK(settle() == std::vector<std::string>{R"({"kind" : "record", "pipeline" : "users"})"});
  test::run_sql(*writer, "DELETE FROM pipeline_records WHERE pipeline_id = 'orders'");
  CHECK(settle() == std::vector<std::string>{R"({"kind" : "record", "pipeline" : "orders"})"});

  test::run_sql(*writer,
                "INSERT INTO backfill_requests (pipeline_id, from_time, to_time, reprocess, "
                "requested_by) VALUES ('users', '2024-01-01', '2024-01-02', 'missing', 't')");
  seen = settle();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].starts_with(R"({"kind" : "backfill", "pipeline" : "users", "id" : )"));
  test::run_sql(*writer,
                "INSERT INTO pipelines (pipeline_id, paused) VALUES ('users', false); "
                "UPDATE pipelines SET paused = true WHERE pipeline_id = 'users'");
  CHECK(settle() == std::vector<std::string>{R"({"kind" : "pipeline", "pipeline" : "users"})"});

  // Without a handler for the console's changes, the daemon's wake-ups arrive as before.
  int records = 0;
  auto plain = store::Notifications::open(db.url(), {[&] { ++records; }, {}});
  REQUIRE(plain);
  test::run_sql(*writer, "UPDATE pipelines SET paused = false WHERE pipeline_id = 'users'");
  CHECK(read_until(**plain, [&] { return records == 1; }));
}
