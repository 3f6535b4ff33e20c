#pragma once
// Running sluicectl from e2e tests against a test database, with a config of PG -> PG
// pipelines over that database, and a fingerprint of everything sluicectl may change.
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_database.hpp"

namespace sluice::test {

// sluice.yaml (database and connection `db` from $SLUICE_DATABASE_URL, stage `stage`,
// 2 workers, `extra_connections` appended under `connections:`) and pipelines.d/:
//   copy_events: src -> dst, hourly windows of 2024-01-01 in UTC (24 windows)
//   history:     src -> dst, hourly windows of 2023-01-01 .. 2023-03-01, catchup false (the
//                schedule makes only the newest window; the rest is for backfill)
std::filesystem::path write_ctl_config(const TempDir& dir,
                                       const std::string& extra_connections = "");

// The src and dst tables both pipelines copy between (id, event_time, note).
void create_ctl_tables(store::Connection& connection);

// sluicectl ARGS with $SLUICE_DATABASE_URL = url.
ProcessResult run_ctl(const std::vector<std::string>& args, const std::string& url);
std::vector<std::string> ctl_argv(const std::vector<std::string>& args);

// A migrated test database with the ctl tables and config: sluicectl runs against it.
struct CtlEnv {
  TestDatabase db;
  TempDir dir;
  std::string config;
  std::unique_ptr<store::Connection> c;

  // `extra_connections`: YAML appended to the daemon file's connections.
  explicit CtlEnv(const std::string& extra_connections = "");
  // sluicectl -c CONFIG ARGS.
  ProcessResult ctl(std::vector<std::string> args) const;
  std::int64_t count(const std::string& sql) const;
  // 48 source rows over 2024-01-01 and `run-once copy_events`, which must succeed: 24 SUCCESS
  // records.
  void load_copy_events() const;
  // The id of copy_events' record whose window starts at `start`.
  std::int64_t id_at(const std::string& start) const;
};

// A sluicectl call that must be refused: exit 2, `message` on stderr.
struct CtlRefusal {
  const char* name;
  std::vector<std::string> args;
  const char* message;
};
// Each case refused, and the database exactly as before them all.
void check_ctl_refusals(const CtlEnv& e, std::initializer_list<CtlRefusal> cases);

// Changes whenever a row of pipeline_records, pipeline_events, backfill_requests, pipelines
// or audit_log is added, removed or changed, or a pipeline_definitions row added.
std::string database_fingerprint(store::Connection& connection);

}  // namespace sluice::test
