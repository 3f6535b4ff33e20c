// sluiced on a schema changed by hand: it stops at start, naming what differs, before it
// generates or claims anything.
#include <catch2/catch.hpp>

#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;

TEST_CASE("sluiced refuses a schema changed by hand, naming what differs, and claims nothing",
          "[e2e][daemon][schema]") {
  struct Case {
    const char* name;
    const char* sql;
    std::vector<std::string> named;
  };
  for (const auto& c : std::vector<Case>{
           {"a dropped column",
            "ALTER TABLE pipeline_records DROP COLUMN heartbeat_at CASCADE",
            {"pipeline_records.heartbeat_at: missing"}},
           {"a changed type and a dropped function",
            "ALTER TABLE pipeline_events ALTER COLUMN rows TYPE integer; "
            "DROP FUNCTION sluice_claim(text[], integer[], integer[], integer[], text[], "
            "integer[], integer[], integer[], text)",
            {"pipeline_events.rows: integer, expected bigint",
             "function sluice_claim(text[], integer[], integer[], integer[], text[], integer[], "
             "integer[], integer[], text): missing"}},
       }) {
    DYNAMIC_SECTION(c.name) {
      test::TestDatabase db;
      test::TempDir dir;
      auto conn = test::prepared(db,
                                 "CREATE TABLE src (id int, event_time timestamptz, note text);"
                                 "CREATE TABLE dst (LIKE src);"
                                 "INSERT INTO src VALUES (1, '2024-01-01T00:30Z', 'x')");
      test::run_sql(*conn, c.sql);
      test::write_daemon_file(dir.path(), {});
      test::write_pipeline(dir.path(), "orders", "src", "dst", "2024-01-01", "2024-01-02");
      test::DaemonProcess daemon(dir.path(), db.url());
      const auto r = daemon.wait();
      const auto log = daemon.log();
      INFO(log);
      CHECK(r.exit_code == 1);
      CHECK_THAT(log, Catch::Contains("differs from what this sluiced uses"));
      for (const auto& named : c.named) CHECK_THAT(log, Catch::Contains(named));
      // It stopped before generating or claiming anything: no lock left behind.
      CHECK(test::count(*conn, "SELECT count(*) FROM pipeline_records") == 0);
      CHECK(test::count(*conn,
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                        "(SELECT oid FROM pg_database WHERE datname = current_database())") == 0);
    }
  }
}
