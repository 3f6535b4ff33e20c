#pragma once
// The versioned schema: numbered migrations compiled into the binary, applied in order,
// each in its own transaction and recorded in schema_migrations with its checksum.
//
// Rules the runner enforces:
// - an applied migration is never edited: a different checksum (or name) is refused;
// - migrations apply in order: a known migration missing below the applied version is
//   refused rather than slipped in under later ones;
// - a database holding a migration this binary does not know is newer than the binary:
//   migrating is refused and check_schema() says to upgrade;
// - concurrent runners (threads, processes, hosts) serialise on an advisory lock, so one
//   applies and the others find nothing left to do.
// A migration runs inside a transaction, so it cannot use CREATE INDEX CONCURRENTLY or
// its own BEGIN/COMMIT.
#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "framework/core/error.hpp"
#include "framework/store/database.hpp"

namespace sluice::store {

struct Migration {
  int version = 0;
  std::string name;      // `pipeline_records` for 0001_pipeline_records.sql
  std::string checksum;  // SHA-256 of the file's bytes, lower-case hex
  std::string sql;

  // `0001_pipeline_records`: the file name without .sql, as every message says it.
  std::string label() const;
};

// sql/migrations/*.sql as they were at build time, by version 1..N without gaps.
const std::vector<Migration>& embedded_migrations();

// A row of schema_migrations.
struct AppliedMigration {
  int version = 0;
  std::string name;
  std::string checksum;
  std::string applied_at;  // UTC, `2024-03-10T08:00:00Z`
  std::string applied_by;
  std::optional<long> duration_ms;

  std::string label() const;
};

// An applied migration whose recorded checksum or name differs from the binary's.
struct ChangedMigration {
  Migration known;
  AppliedMigration applied;
};

// What the database holds against what this binary knows.
struct SchemaStatus {
  int current_version = 0;   // highest version applied; 0 for an empty database
  int expected_version = 0;  // highest version this binary knows
  std::vector<AppliedMigration> applied;
  std::vector<Migration> pending;         // known, not applied, above current_version
  std::vector<Migration> skipped;         // known, not applied, below current_version
  std::vector<AppliedMigration> unknown;  // applied, unknown to this binary (newer)
  std::vector<ChangedMigration> changed;  // applied from an edited file
  // Tables, columns, functions and triggers that differ from expected_schema_objects()
  // (schema_objects.hpp), one line each; read only once every migration is applied.
  std::vector<std::string> differences;

  bool up_to_date() const;
  // Whatever makes migrating unsafe (changed, skipped, unknown), one sentence each.
  std::vector<std::string> problems(std::string_view program) const;
};

// Pure: the comparison behind schema_status(); `known` in any order.
SchemaStatus compare_schema(std::span<const Migration> known,
                            std::span<const AppliedMigration> applied);

// Pure: nothing when the schema is exactly what `program` needs, else what is wrong and
// what to run: "database schema is at version 3, this sluiced needs 5: run `sluicectl db
// migrate` (pending: 0004_x, 0005_y)", or what was changed by hand: "database schema is at
// version 6 but differs from what this sluiced uses: pipeline_records.heartbeat_at: missing".
std::optional<std::string> schema_problem(const SchemaStatus& status, std::string_view program);

// Reads schema_migrations (absent on a fresh database: nothing applied) and, when every
// known migration is applied, the schema's objects.
Result<SchemaStatus> schema_status(Connection& connection,
                                   std::span<const Migration> known = embedded_migrations());

// For a process that needs the schema it was built for (sluiced at start): ok, or a
// permanent error carrying schema_problem()'s message.
Result<SchemaStatus> check_schema(Connection& connection, std::string_view program,
                                  std::span<const Migration> known = embedded_migrations());

struct MigrateOptions {
  std::string applied_by = "sluice";  // recorded in schema_migrations.applied_by
  std::string program = "sluicectl";  // names the binary in messages
  // A migration waits at most this long for the locks it needs: behind a long transaction,
  // it fails (retryable) instead of queueing every other query of the system behind it.
  std::chrono::milliseconds lock_timeout{30'000};
  std::function<void()> on_wait;  // another runner holds the migration lock
  std::function<void(const Migration&, std::chrono::milliseconds)> on_applied;
};

struct MigrateReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<Migration> applied;  // in the order applied; empty when up to date
};

// Applies the pending migrations in order, each in its own transaction. On a failure the
// failing migration leaves nothing behind, the ones before it stay applied, and the error
// names it. Refuses to start when problems() is not empty.
Result<MigrateReport> migrate(Connection& connection, const MigrateOptions& options = {},
                              std::span<const Migration> known = embedded_migrations());

// The advisory lock key migrate() holds (pg_advisory_lock), for tests and operators.
inline constexpr long long kMigrationLockKey = 0x736c75696365;  // "sluice"

}  // namespace sluice::store
