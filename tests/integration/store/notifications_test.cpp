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

// Reads until `done` holds or two seconds pass.
bool read_until(store::Notifications& n, const std::function<bool()>& done) {
  for (auto until = std::chrono::steady_clock::now() + 2s; std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(10ms)) {
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
