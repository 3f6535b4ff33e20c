#pragma once
// A migrated test database with a PostgreSQL source table `src` and target table `dst`
// (id, event_time, note, amount), a stage directory, and PG -> PG pipelines over them:
// the real parts every chain test uses.
#include <map>
#include <memory>
#include <string>

#include <date/date.h>

#include "tasks/pipeline_runtime.hpp"
#include "tasks/runner.hpp"
#include "tests/support/paths.hpp"
#include "tests/support/test_database.hpp"

namespace sluice::test {

// Windows of the fixture: hourly from 2024-01-01T00:00Z, UTC.
inline const Instant kFixtureStart = Instant{date::sys_days{date::year{2024} / 1 / 1}};
// The tests' `now`: a year after the fixture's first window, so every window is long due.
inline const Instant kNow = kFixtureStart + std::chrono::hours(24 * 365);

class ChainFixture {
 public:
  ChainFixture();

  // Inserts `rows_per_window` rows into src for each of the first `windows` hourly windows,
  // one row exactly on each window's start and none on its end.
  void seed_source(int windows, int rows_per_window);

  // A PG -> PG pipeline (table src -> table dst, time column event_time), hourly windows
  // from kFixtureStart to kFixtureStart + windows hours.
  std::shared_ptr<tasks::PipelineRuntime> pipeline(int windows,
                                                   const std::string& id = "orders") const;

  tasks::RunnerOptions runner_options(int workers) const;

  std::int64_t count(const std::string& sql) const;
  void exec(const std::string& sql) const;
  // Rows of src and dst that differ, both ways (duplicates count): 0 means exact copies.
  std::int64_t source_target_difference() const;
  // Rows of the query `expected` and of `table` that differ, both ways.
  std::int64_t difference(const std::string& expected, const std::string& table) const;
  // The distinct error messages of the records, ` | ` between them.
  std::string error_messages() const;
  // Deletes every record and event: the windows are new again.
  void forget_records() const;

  // The pipeline file `name` (`yaml`) in `dir`/pipelines.d beside a daemon file whose stage is the
  // fixture's and whose `warehouse` connection is its database, loaded as sluiced loads it
  // and made a runtime; every diagnostic shown when it does not load. `connections`: more
  // connections of the daemon file (their lines, indented), `${env:}` read from `env`.
  std::shared_ptr<const tasks::PipelineRuntime> runtime_from_yaml(
      const std::filesystem::path& dir, const std::string& name, const std::string& yaml,
      const std::string& connections = "", std::map<std::string, std::string> env = {}) const;

  const TestDatabase& db() const { return db_; }
  const std::filesystem::path& stage_root() const { return stage_.path(); }

 private:
  TestDatabase db_;
  TempDir stage_;
};

// Runs `pipeline` with two workers (run_once at `now`, then again every half second) until
// none of the records is PENDING or IN_PROGRESS, or `rounds` have passed; the rounds' sum.
tasks::RunSummary run_until_settled(const ChainFixture& f,
                                    std::shared_ptr<const tasks::PipelineRuntime> pipeline,
                                    Instant now, int rounds = 20);
// The same for several pipelines in one runner, with `holder` as the workers' host:pid when
// given.
tasks::RunSummary run_until_settled(
    const ChainFixture& f, std::vector<std::shared_ptr<const tasks::PipelineRuntime>> pipelines,
    Instant now, int rounds, const std::string& holder = "");

}  // namespace sluice::test
