// The migration runner against a real PostgreSQL, one fresh database per test.
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "framework/store/migrations.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace sluice::store;
using test::count;
using test::run_sql;
using test::TestDatabase;

namespace {

std::set<std::string> names(store::Connection& c, const std::string& sql) {
  std::set<std::string> out;
  for (const auto& row : run_sql(c, sql)) out.insert(row[0].as<std::string>());
  return out;
}

std::string applied_rows(store::Connection& c) {
  std::string out;
  for (const auto& row :
       run_sql(c, "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY 1")) {
    out += row[0].c_str() + std::string(" ") + row[1].c_str() + " " + row[2].c_str() + " " +
           row[3].c_str() + "\n";
  }
  return out;
}

std::vector<Migration> first(std::size_t n) {
  const auto& all = embedded_migrations();
  return {all.begin(), all.begin() + static_cast<long>(n)};
}

}  // namespace

TEST_CASE("a fresh apply creates every table, view, index and trigger", "[store][migrate]") {
  TestDatabase db;
  auto c = db.connect();
  std::vector<std::string> reported;
  MigrateOptions options;
  options.applied_by = "tests";
  options.on_applied = [&](const Migration& m, auto) { reported.push_back(m.label()); };
  auto report = migrate(*c, options);
  REQUIRE(report);
  const auto& all = embedded_migrations();
  CHECK(report->from_version == 0);
  CHECK(report->to_version == static_cast<int>(all.size()));
  CHECK(report->applied.size() == all.size());
  CHECK(reported.size() == all.size());
  CHECK(reported.front() == "0001_pipeline_records");

  CHECK(names(*c, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'") ==
        std::set<std::string>{
            "pipeline_records", "pipeline_events", "pipelines", "backfill_requests", "audit_log",
            "schema_migrations", "notifications", "notification_deliveries", "notification_streams",
            "pipeline_dependencies", "pipeline_definitions", "window_checks", "pipeline_counts",
            "pipeline_count_deltas", "claim_limit_sets", "claim_limits", "pipeline_latency_days",
            "pipeline_latency_deltas", "pipeline_latency"});
  CHECK(names(*c, "SELECT viewname FROM pg_views WHERE schemaname = 'public'") ==
        std::set<std::string>{"pipeline_summary", "failed_windows", "stuck_windows",
                              "window_latency", "sluice_finished_counts",
                              "window_latency_summary"});
  const auto indexes = names(*c, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'");
  for (const char* index :
       {"pipeline_records_window_unique", "pipeline_records_claim_kind_idx",
        "pipeline_records_lease_idx", "pipeline_records_window_idx", "pipeline_records_failed_idx",
        "pipeline_events_record_idx", "pipeline_events_time_idx", "backfill_requests_open_idx",
        "audit_log_at_idx", "notifications_dedupe_idx", "notification_deliveries_due_idx",
        "pipeline_dependencies_upstream_idx", "pipeline_records_pool_idx",
        "window_checks_record_idx", "window_checks_failed_idx"}) {
    INFO(index);
    CHECK(indexes.contains(index));
  }
  CHECK(names(*c, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal") ==
        std::set<std::string>{"pipeline_records_touch",
                              "pipeline_events_append_only",
                              "pipelines_touch",
                              "pipeline_records_notify_insert",
                              "pipeline_records_notify_pending",
                              "pipelines_notify_unpaused",
                              "backfill_requests_notify_insert",
                              "backfill_requests_notify_status",
                              "pipeline_records_console_status",
                              "pipeline_records_console_insert",
                              "pipeline_records_console_delete",
                              "backfill_requests_console_insert",
                              "backfill_requests_console_update",
                              "pipelines_console_paused",
                              "pipeline_events_notification",
                              "backfill_requests_notification",
                              "notifications_wake",
                              "pipeline_records_track_done_insert",
                              "pipeline_records_track_done_update",
                              "pipeline_records_track_done_delete",
                              "pipeline_records_count_insert",
                              "pipeline_records_count_update",
                              "pipeline_records_count_delete",
                              "pipeline_records_count_truncate",
                              "pipeline_definitions_append_only",
                              "pipeline_definitions_notify",
                              "pipeline_records_notify_pool_freed",
                              "window_checks_notification",
                              "pipeline_records_scheduled_insert",
                              "pipeline_records_scheduled_delete",
                              "pipeline_records_scheduled_update",
                              "pipeline_records_latency_insert",
                              "pipeline_records_latency_update",
                              "pipeline_records_latency_delete",
                              "pipeline_records_latency_truncate"});

  // The seed framework's columns keep their names; its timestamps become timestamptz.
  std::map<std::string, std::string> types;
  for (const auto& row : run_sql(*c,
                                 "SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'pipeline_records'")) {
    types[row[0].as<std::string>()] = row[1].as<std::string>();
  }
  for (const char* column :
       {"window_start_time", "window_end_time", "pipeline_locked_at",
        "source_to_stage_ingestion_start_time", "source_to_stage_ingestion_end_time",
        "stage_to_target_ingestion_start_time", "stage_to_target_ingestion_end_time",
        "audit_start_time", "audit_end_time", "pipeline_start_time", "pipeline_end_time",
        "record_first_created_time", "record_last_updated_time", "heartbeat_at",
        "next_attempt_at"}) {
    INFO(column);
    CHECK(types[column] == "timestamp with time zone");
  }
  for (const char* column : {"target_day",
                             "time_interval",
                             "dag_run_id",
                             "pipeline_status",
                             "source_to_stage_ingestion_status",
                             "stage_to_target_ingestion_status",
                             "audit_status",
                             "audit_result",
                             "source_count",
                             "target_count",
                             "count_difference",
                             "percentage_difference",
                             "phase_completed",
                             "retry_attempt",
                             "pipeline_id",
                             "source_name",
                             "target_name",
                             "trigger",
                             "locked_by",
                             "error_message",
                             "business_fields",
                             "stage_count",
                             "stage_bytes"}) {
    INFO(column);
    CHECK(types.contains(column));
  }

  // Recorded with who applied it and the embedded checksums.
  for (const auto& row :
       run_sql(*c, "SELECT version, checksum, applied_by FROM schema_migrations")) {
    const auto& m = all.at(row[0].as<std::size_t>() - 1);
    CHECK(row[1].as<std::string>() == m.checksum);
    CHECK(row[2].as<std::string>() == "tests");
  }
}

TEST_CASE("the embedded checksums are SHA-256 of the migration files", "[store][migrate]") {
  TestDatabase db;
  auto c = db.connect();
  for (const auto& m : embedded_migrations()) {
    INFO(m.label());
    std::ifstream file(std::string(SLUICE_SOURCE_DIR) + "/sql/migrations/" + m.label() + ".sql",
                       std::ios::binary);
    REQUIRE(file);
    std::stringstream on_disk;
    on_disk << file.rdbuf();
    CHECK(on_disk.str() == m.sql);  // the binary embeds the file as it is
    pqxx::work tx(*c);
    const auto digest =
        tx.exec_params1("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", on_disk.str())[0]
            .as<std::string>();
    CHECK(digest == m.checksum);
  }
}

TEST_CASE("re-applying is a no-op", "[store][migrate]") {
  TestDatabase db;
  auto c = db.connect();
  REQUIRE(migrate(*c));
  const std::string before = applied_rows(*c);
  auto again = migrate(*c);
  REQUIRE(again);
  CHECK(again->applied.empty());
  CHECK(again->from_version == again->to_version);
  CHECK(applied_rows(*c) == before);
  auto status = check_schema(*c, "sluiced");
  REQUIRE(status);
  CHECK(status->up_to_date());
}

TEST_CASE("an edited, already-applied migration is refused, naming it", "[store][migrate]") {
  TestDatabase db;
  auto c = db.connect();
  REQUIRE(migrate(*c, {}, first(3)));

  SECTION("the recorded checksum was tampered with") {
    run_sql(*c, "UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 2");
    auto result = migrate(*c);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::permanent);
    CHECK_THAT(result.error().message,
               Catch::Contains("migration 0002_pipeline_events was edited after it was applied"));
    auto check = check_schema(*c, "sluiced");
    REQUIRE_FALSE(check);
    CHECK_THAT(check.error().message, Catch::Contains("0002_pipeline_events"));
  }
  SECTION("the file was edited after it was applied") {
    auto edited = embedded_migrations();
    edited[0].sql += "\nALTER TABLE pipeline_records ADD COLUMN note text;\n";
    edited[0].checksum = std::string(64, 'e');
    auto result = migrate(*c, {}, edited);
    REQUIRE_FALSE(result);
    CHECK_THAT(result.error().message,
               Catch::Contains("migration 0001_pipeline_records was edited after it was applied"));
  }
  // Nothing was applied past the refusal.
  CHECK(count(*c, "SELECT count(*) FROM schema_migrations") == 3);
  CHECK(count(*c, "SELECT count(*) FROM pg_views WHERE viewname = 'pipeline_summary'") == 0);
}

TEST_CASE("a migration the binary does not know is reported as a newer schema",
          "[store][migrate]") {
  TestDatabase db;
  auto c = db.connect();
  auto newer = embedded_migrations();
  const int next = static_cast<int>(newer.size()) + 1;
  newer.push_back({next, "from_the_future", std::string(64, 'f'), "CREATE TABLE future (x int);"});
  REQUIRE(migrate(*c, {}, newer));

  auto status = schema_status(*c);
  REQUIRE(status);
  REQUIRE(status->unknown.size() == 1);
  CHECK(status->unknown[0].version == next);
  CHECK(status->current_version == next);

  auto result = migrate(*c);
  REQUIRE_FALSE(result);
  CHECK_THAT(result.error().message,
             Catch::Contains("from_the_future") && Catch::Contains("newer than this sluicectl"));
  auto check = check_schema(*c, "sluiced");
  REQUIRE_FALSE(check);
  CHECK_THAT(check.error().message, Catch::Contains("upgrade sluiced"));
}

TEST_CASE("check_schema reports the pending migrations and what to run", "[store][migrate]") {
  TestDatabase db;
  auto c = db.connect();
  const auto& all = embedded_migrations();

  auto empty = check_schema(*c, "sluiced");
  REQUIRE_FALSE(empty);
  CHECK_THAT(empty.error().message,
             Catch::StartsWith("database schema is at version 0, this sluiced needs " +
                               std::to_string(all.size()) + ": run `sluicectl db migrate`"));

  REQUIRE(migrate(*c, {}, first(3)));
  auto partial = check_schema(*c, "sluiced");
  REQUIRE_FALSE(partial);
  CHECK(partial.error().kind == ErrorKind::permanent);
  CHECK_THAT(partial.error().message,
             Catch::StartsWith("database schema is at version 3, this sluiced needs " +
                               std::to_string(all.size())) &&
                 Catch::Contains("0004_notify_triggers") && !Catch::Contains("0003_"));
  auto status = schema_status(*c);
  REQUIRE(status);
  CHECK(status->pending.size() == all.size() - 3);

  auto rest = migrate(*c);
  REQUIRE(rest);
  CHECK(rest->from_version == 3);
  CHECK(rest->applied.size() == all.size() - 3);
  CHECK(check_schema(*c, "sluiced"));
}

TEST_CASE("a failing migration leaves nothing of itself and names itself", "[store][migrate]") {
  TestDatabase db;
  auto c = db.connect();
  auto broken = first(2);
  broken.push_back({3, "half_done", std::string(64, '3'),
                    "CREATE TABLE half_done (x int);\nSELECT * FROM no_such_table;"});
  broken.push_back({4, "never_reached", std::string(64, '4'), "CREATE TABLE never (x int);"});
  auto result = migrate(*c, {}, broken);
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::permanent);
  CHECK_THAT(result.error().message,
             Catch::StartsWith("applying migration 0003_half_done: relation \"no_such_table\" does "
                               "not exist [SQLSTATE 42P01]") &&
                 Catch::Contains("the schema stays at version 2"));
  CHECK(count(*c, "SELECT max(version) FROM schema_migrations") == 2);
  CHECK(count(*c, "SELECT count(*) FROM pg_tables WHERE tablename IN ('half_done', 'never')") == 0);
}

TEST_CASE("concurrent migrations from many threads end with one applied set", "[store][migrate]") {
  TestDatabase db;
  constexpr int kThreads = 4;
  std::vector<Result<MigrateReport>> results(kThreads, fail(Error::permanent("not run")));
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        auto c = store::connect(db.url());
        if (!c) {
          results[i] = fail(c.error());
          return;
        }
        results[i] = migrate(**c);
      });
    }
  }
  std::size_t applied = 0;
  for (const auto& r : results) {
    REQUIRE(r);
    applied += r->applied.size();
    CHECK(r->to_version == static_cast<int>(embedded_migrations().size()));
  }
  CHECK(applied == embedded_migrations().size());
  auto c = db.connect();
  CHECK(count(*c, "SELECT count(*) FROM schema_migrations") ==
        static_cast<long>(embedded_migrations().size()));
  // The lock is released whatever happened.
  CHECK(count(*c,
              "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
              "(SELECT oid FROM pg_database WHERE datname = current_database())") == 0);
}

TEST_CASE("a runner waits for the one holding the migration lock", "[store][migrate]") {
  TestDatabase db;
  auto holder = db.connect();
  run_sql(*holder, "SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")");
  std::atomic<bool> waited{false};
  bool migrated = false;  // checked after the join: Catch's assertions are not thread-safe
  std::thread runner([&] {
    auto c = db.connect();
    MigrateOptions options;
    options.on_wait = [&] { waited = true; };
    migrated = static_cast<bool>(migrate(*c, options));
  });
  for (int i = 0; i < 500 && !waited; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(waited);
  {
    auto c = db.connect();
    CHECK(count(*c, "SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations'") == 0);
  }
  run_sql(*holder, "SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
  runner.join();
  CHECK(migrated);
  auto c = db.connect();
  CHECK(check_schema(*c, "sluiced"));
}
