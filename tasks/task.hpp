#pragma once
// What every task of the chain sees, and what it returns: the write it wants made (its
// columns, the phase it completed, perhaps a move to a final status), or a classified Error
// that the chain turns into a retry or a failure.
#include <chrono>
#include <future>
#include <memory>
#include <optional>

#include "framework/adapters/interfaces.hpp"
#include "framework/store/record_store.hpp"
#include "tasks/pipeline_runtime.hpp"

namespace sluice::tasks {

class CountsAhead;

struct TaskContext {
  const store::Record& record;
  const PipelineRuntime& pipeline;
  adapters::WindowContext window;
  Instant now;
  // The pre-validation counts of the windows of this window's claim, taken together
  // (tasks/window_batch.hpp); null: each window counts its own.
  CountsAhead* ahead = nullptr;
};

using TaskResult = Result<store::TaskWrite>;

// nullopt: the record may go on. A write: it may not (missing business fields: fail; window
// not yet stable: release until it is; a run_if condition false: wait, skip or give up, with
// `jitter` in [0, 1) the draw of the next check's delay: tasks/run_if.hpp).
// The target's load fed during source->stage (when the target can take rows as they come):
// the load, uncommitted, or the error that ended it. stage->target then only commits it.
struct StreamedLoad {
  std::unique_ptr<adapters::TargetLoad> load;
  std::optional<Error> error;
  std::int64_t rows = 0;  // staged, hence sent to the load

  bool started() const { return load || error; }
};

Result<std::optional<store::TaskWrite>> store_and_validate(const TaskContext& ctx, double jitter);
TaskResult pre_validation(const TaskContext& ctx);
// With `streamed`, the staged blocks also go to the target's load as they are written.
TaskResult source_to_stage(const TaskContext& ctx, StreamedLoad* streamed = nullptr);
// Commits a started streamed load; otherwise loads the window from the stage file.
TaskResult stage_to_target(const TaskContext& ctx, StreamedLoad* streamed = nullptr);
// The source's count for the audit, on its own thread.
std::future<Result<std::int64_t>> start_source_count(const TaskContext& ctx);
// `source_count`: the source's count, already started (while the streamed load committed);
// without it the audit counts the source itself.
TaskResult audit(const TaskContext& ctx, std::future<Result<std::int64_t>>* source_count = nullptr);
// Pre-validation found the window loaded (`both`: the counts that agree): SKIPPED, unless the
// record says to reload it anyway.
void skip_as_loaded(const TaskContext& ctx, store::TaskWrite& w, const std::string& both);
// The audit's write for a pair of counts: SUCCESS, or FAILED beyond the threshold.
TaskResult audit_of_counts(const TaskContext& ctx, std::int64_t source, std::int64_t target);
// The pipeline's data checks after counts that passed (`w`, the audit's write): their results
// added to it, and its end changed by a failure (checks.cpp).
TaskResult run_checks(const TaskContext& ctx, store::TaskWrite w);

// A SQL pipeline's tasks (sql_window.cpp), which the tasks above hand it over to. Its
// source_to_stage has nothing to do: SKIPPED, the phase completed. Its audit compares the
// target with `sql.count`, or else with the rows inserted: `inserted` when this run
// inserted them, the record's source_count when an earlier attempt did.
TaskResult sql_pre_validation(const TaskContext& ctx);
store::TaskWrite sql_no_stage();
TaskResult sql_stage_to_target(const TaskContext& ctx);
TaskResult sql_audit(const TaskContext& ctx, std::future<Result<std::int64_t>>* inserted);
// A count known already, as the audit takes a count started earlier.
std::future<Result<std::int64_t>> known_count(std::int64_t rows);

}  // namespace sluice::tasks
