// The schema check beyond the migration version: the list of tables, columns, functions and
// triggers the binary uses matches what the migrations create, and a schema changed by hand
// is refused naming what differs.
#include <catch2/catch.hpp>

#include "framework/store/migrations.hpp"
#include "framework/store/schema_objects.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using test::run_sql;
using test::TestDatabase;

namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST_CASE("the expected schema objects are exactly what the migrations create", "[store][schema]") {
  TestDatabase db;
  db.migrate();
  auto c = db.connect();
  auto actual = store::read_schema_objects(*c);
  REQUIRE(actual);
  // Both ways: a migration that adds, drops or retypes anything must update the list.
  const auto differences =
      store::schema_differences(store::expected_schema_objects(), *actual, /*extra=*/true);
  INFO(joined(differences));
  CHECK(differences.empty());
  CHECK(actual->tables.size() == 19);
  CHECK(actual->tables.at("pipeline_records").at("percentage_difference") == "numeric(7,2)");

  auto status = store::schema_status(*c);
  REQUIRE(status);
  CHECK(status->up_to_date());
  CHECK(status->differences.empty());
  CHECK(store::check_schema(*c, "sluiced"));
}

TEST_CASE("a schema changed by hand is refused, naming each difference", "[store][schema]") {
  struct Case {
    const char* name;
    const char* sql;
    std::vector<std::string> named;
  };
  for (const auto& c : std::vector<Case>{
           {"a dropped column",
            "ALTER TABLE pipeline_records DROP COLUMN heartbeat_at CASCADE",
            {"pipeline_records.heartbeat_at: missing"}},
           {"two dropped columns of two tables",
            "ALTER TABLE pipeline_events DROP COLUMN host; "
            "ALTER TABLE audit_log DROP COLUMN message",
            {"audit_log.message: missing", "pipeline_events.host: missing"}},
           {"a changed type",
            "DROP VIEW failed_windows, stuck_windows, window_latency; "
            "ALTER TABLE pipeline_records ALTER COLUMN retry_attempt TYPE bigint",
            {"pipeline_records.retry_attempt: bigint, expected integer"}},
           {"a changed precision",
            "DROP VIEW failed_windows; "
            "ALTER TABLE pipeline_records ALTER COLUMN percentage_difference TYPE numeric(5,1)",
            {"pipeline_records.percentage_difference: numeric(5,1), expected numeric(7,2)"}},
           {"a dropped function",
            "DROP FUNCTION sluice_claim(text[], integer[], integer[], integer[], text[], "
            "integer[], integer[], integer[], text)",
            {"function sluice_claim(text[], integer[], integer[], integer[], text[], integer[], "
             "integer[], integer[], text): missing"}},
           {"a function with other arguments",
            "DROP FUNCTION sluice_claim(text[], integer[], integer[], integer[], text[], "
            "integer[], integer[], integer[], text); "
            "CREATE FUNCTION sluice_claim(text[], text) RETURNS SETOF pipeline_records "
            "LANGUAGE sql AS 'SELECT * FROM pipeline_records LIMIT 0'",
            {"function sluice_claim(text[], integer[], integer[], integer[], text[], integer[], "
             "integer[], integer[], text): missing"}},
           {"a dropped trigger",
            "DROP TRIGGER pipeline_records_notify_insert ON pipeline_records",
            {"trigger pipeline_records.pipeline_records_notify_insert: missing"}},
           {"a dropped table", "DROP TABLE audit_log", {"table audit_log: missing"}},
       }) {
    DYNAMIC_SECTION(c.name) {
      TestDatabase db;
      db.migrate();
      auto conn = db.connect();
      run_sql(*conn, c.sql);
      // What an operator may add stays allowed.
      run_sql(*conn, "ALTER TABLE pipeline_records ADD COLUMN my_note text");

      auto status = store::schema_status(*conn);
      REQUIRE(status);
      CHECK_FALSE(status->up_to_date());
      CHECK(status->differences == c.named);

      auto checked = store::check_schema(*conn, "sluiced");
      REQUIRE_FALSE(checked);
      CHECK(checked.error().kind == ErrorKind::permanent);
      CHECK_THAT(checked.error().message,
                 Catch::StartsWith("database schema is at version " +
                                   std::to_string(store::embedded_migrations().size()) +
                                   " but differs from what this sluiced uses"));
      for (const auto& named : c.named) CHECK_THAT(checked.error().message, Catch::Contains(named));
      CHECK_THAT(checked.error().message, !Catch::Contains("my_note"));
    }
  }
}

TEST_CASE("a schema behind its migrations is reported by version, not by object",
          "[store][schema]") {
  TestDatabase db;
  auto c = db.connect();
  const auto& all = store::embedded_migrations();
  REQUIRE(store::migrate(*c, {}, std::vector(all.begin(), all.begin() + 2)));
  auto status = store::schema_status(*c);
  REQUIRE(status);
  CHECK(status->differences.empty());
  auto checked = store::check_schema(*c, "sluiced");
  REQUIRE_FALSE(checked);
  CHECK_THAT(checked.error().message, Catch::Contains("run `sluicectl db migrate`"));
}
