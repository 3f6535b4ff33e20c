// The database half of the migration runner.
#include <pqxx/pqxx>

#include <fmt/format.h>

#include "framework/observe/log.hpp"
#include "framework/store/errors.hpp"
#include "framework/store/migrations.hpp"
#include "framework/store/params.hpp"
#include "framework/store/schema_objects.hpp"

namespace sluice::store {
namespace {

constexpr const char* kCreateMigrationsTable = R"(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer     PRIMARY KEY,
    name        text        NOT NULL,
    checksum    text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    applied_by  text        NOT NULL DEFAULT current_user,
    duration_ms integer
))";

std::vector<AppliedMigration> read_applied(pqxx::transaction_base& tx) {
  if (!tx.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL")[0].as<bool>()) return {};
  std::vector<AppliedMigration> out;
  for (const auto& row :
       tx.exec("SELECT version, name, checksum,"
               "       to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
               "       applied_by, duration_ms"
               "  FROM schema_migrations ORDER BY version")) {
    AppliedMigration a;
    a.version = row[0].as<int>();
    a.name = row[1].as<std::string>();
    a.checksum = row[2].as<std::string>();
    a.applied_at = row[3].as<std::string>();
    a.applied_by = row[4].as<std::string>();
    if (!row[5].is_null()) a.duration_ms = row[5].as<long>();
    out.push_back(std::move(a));
  }
  return out;
}

// The session-level advisory lock that serialises runners on every host. Session-level,
// not transaction-level, because it must span one transaction per migration; released by
// the destructor, or by the server if the connection dies.
class MigrationLock {
 public:
  MigrationLock(Connection& connection, const std::function<void()>& on_wait)
      : connection_(connection) {
    pqxx::nontransaction tx(connection_);
    const std::string key = std::to_string(kMigrationLockKey);
    if (!tx.exec1("SELECT pg_try_advisory_lock(" + key + ")")[0].as<bool>()) {
      if (on_wait) on_wait();
      tx.exec("SELECT pg_advisory_lock(" + key + ")");
    }
  }
  ~MigrationLock() {
    try {
      pqxx::nontransaction tx(connection_);
      tx.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
    } catch (const std::exception& e) {
      observe::logger("store")->warn("releasing the migration lock: {}", e.what());
    }
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  Connection& connection_;
};

Result<long> apply(Connection& connection, const Migration& m, const MigrateOptions& options) {
  return attempt("applying migration " + m.label(), [&] {
    const auto started = std::chrono::steady_clock::now();
    pqxx::work tx(connection);
    tx.exec(fmt::format("SET LOCAL lock_timeout = '{}ms'", options.lock_timeout.count()));
    tx.exec(m.sql);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    exec_with(
        tx,
        "INSERT INTO schema_migrations (version, name, checksum, applied_by, duration_ms)"
        " VALUES ($1, $2, $3, $4, $5)",
        {std::to_string(m.version), m.name, m.checksum, options.applied_by, std::to_string(ms)});
    tx.commit();
    return static_cast<long>(ms);
  });
}

}  // namespace

Result<SchemaStatus> schema_status(Connection& connection, std::span<const Migration> known) {
  auto applied = attempt("reading schema_migrations", [&] {
    pqxx::read_transaction tx(connection);
    return read_applied(tx);
  });
  if (!applied) return fail(applied.error());
  SchemaStatus status = compare_schema(known, *applied);
  // Behind or ahead, the objects differ by design; the version says what to do then. The
  // expected objects are the embedded migrations': a caller's own list has none.
  const bool embedded = known.data() == embedded_migrations().data();
  if (embedded && status.pending.empty() && status.problems("").empty()) {
    auto objects = read_schema_objects(connection);
    if (!objects) return fail(objects.error());
    status.differences = schema_differences(expected_schema_objects(), *objects);
  }
  return status;
}

Result<SchemaStatus> check_schema(Connection& connection, std::string_view program,
                                  std::span<const Migration> known) {
  auto status = schema_status(connection, known);
  if (!status) return status;
  if (auto problem = schema_problem(*status, program)) return fail(Error::permanent(*problem));
  return status;
}

Result<MigrateReport> migrate(Connection& connection, const MigrateOptions& options,
                              std::span<const Migration> known) {
  auto lock = attempt("taking the migration lock",
                      [&] { return std::make_unique<MigrationLock>(connection, options.on_wait); });
  if (!lock) return fail(lock.error());

  // Read under the lock: whatever another runner applied meanwhile is now visible.
  auto applied = attempt("reading schema_migrations", [&] {
    pqxx::work tx(connection);
    tx.exec(kCreateMigrationsTable);
    auto rows = read_applied(tx);
    tx.commit();
    return rows;
  });
  if (!applied) return fail(applied.error());
  const SchemaStatus status = compare_schema(known, *applied);
  if (!status.problems(options.program).empty()) {
    return fail(Error::permanent(*schema_problem(status, options.program)));
  }

  MigrateReport report{status.current_version, status.current_version, {}};
  auto log = observe::logger("store");
  for (const auto& m : status.pending) {
    auto ms = apply(connection, m, options);
    if (!ms) {
      Error e = ms.error();
      e.message += fmt::format("; nothing of {} was applied, the schema stays at version {}",
                               m.label(), report.to_version);
      return fail(std::move(e));
    }
    log->debug("applied migration {} in {} ms", m.label(), *ms);
    if (options.on_applied) options.on_applied(m, std::chrono::milliseconds(*ms));
    report.applied.push_back(m);
    report.to_version = m.version;
  }
  return report;
}

}  // namespace sluice::store
