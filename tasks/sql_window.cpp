// The tasks of a SQL pipeline (`kind: sql`): the same chain, records, fencing and task
// boundary as a copy pipeline's (chain.cpp), with the target's server doing the work.
// - pre-validation: with `sql.count`, a target window that already holds that many rows
//   (more than 0) is SKIPPED; without it nothing tells a loaded window, and it always runs.
// - source->stage: nothing to extract or stage; recorded SKIPPED with the phase completed,
//   so that a retry resumes after it.
// - stage->target: the runner's delete and insert, all or nothing (SqlRunner::run_window).
// - audit: the target's count against `sql.count`, or against the rows inserted.
#include <fmt/format.h>

#include "tasks/task.hpp"

namespace sluice::tasks {

TaskResult sql_pre_validation(const TaskContext& ctx) {
  auto& runner = *ctx.pipeline.sql;
  auto target = runner.count_window(ctx.window);
  if (!target) return fail(target.error());
  store::TaskWrite w;
  w.task = store::Task::pre_validation;
  w.phase_completed = store::Phase::pre_validation;
  w.target_count = *target;
  const auto& count = ctx.pipeline.statements.count;
  if (!count) {
    w.message = "no sql.count: the window runs whatever the target holds";
    return w;
  }
  auto expected = runner.count(ctx.window, *count);
  if (!expected) return fail(expected.error());
  w.source_count = *expected;
  w.rows = *expected;
  if (*expected > 0 && *expected == *target)
    skip_as_loaded(ctx, w, fmt::format("sql.count and the target both say {} rows", *target));
  return w;
}

store::TaskWrite sql_no_stage() {
  store::TaskWrite w;
  w.task = store::Task::source_to_stage;
  w.status = store::TaskStatus::skipped;
  w.outcome = store::Outcome::skipped;
  w.phase_completed = store::Phase::source_to_stage;
  w.message = "SQL pipeline: no source and no stage";
  return w;
}

TaskResult sql_stage_to_target(const TaskContext& ctx) {
  auto rows = ctx.pipeline.sql->run_window(ctx.window, ctx.pipeline.statements);
  if (!rows) return fail(rows.error());
  store::TaskWrite w;
  w.task = store::Task::stage_to_target;
  w.phase_completed = store::Phase::stage_to_target;
  w.rows = *rows;
  // What the audit compares without sql.count, kept for an audit retried on its own.
  if (!ctx.pipeline.statements.count) w.source_count = *rows;
  return w;
}

TaskResult sql_audit(const TaskContext& ctx, std::future<Result<std::int64_t>>* inserted) {
  auto& runner = *ctx.pipeline.sql;
  Result<std::int64_t> source = 0;
  if (const auto& count = ctx.pipeline.statements.count) {
    source = runner.count(ctx.window, *count);
  } else if (inserted && inserted->valid()) {
    source = inserted->get();
  } else if (ctx.record.source_count) {
    source = *ctx.record.source_count;
  } else {
    source = fail(Error::permanent(
        "the rows an earlier attempt inserted are not recorded: rerun the window"));
  }
  if (!source) return fail(source.error());
  auto target = runner.count_window(ctx.window);
  if (!target) return fail(target.error());
  return audit_of_counts(ctx, *source, *target);
}

std::future<Result<std::int64_t>> known_count(std::int64_t rows) {
  std::promise<Result<std::int64_t>> known;
  known.set_value(rows);
  return known.get_future();
}

}  // namespace sluice::tasks
