#include "tasks/task.hpp"
#include "tasks/window_batch.hpp"

namespace sluice::tasks {
namespace {

// The source's answer taken with the claim's other windows, or its own.
Result<bool> source_has_rows(const TaskContext& ctx, const std::optional<WindowCounts>& ahead) {
  if (ahead && ahead->source_has_rows) return *ahead->source_has_rows;
  return ctx.pipeline.source->has_rows(ctx.window);
}

// An append's target says nothing of whether this window was loaded: its rows add to what it
// holds. Its count now is the baseline the audit subtracts (record.target_count, so that a
// retried audit has it too); only a source window without rows is skipped, with nothing to
// add.
TaskResult append_baseline(const TaskContext& ctx, std::int64_t target,
                           const std::optional<WindowCounts>& ahead) {
  auto any = source_has_rows(ctx, ahead);
  if (!any) return fail(any.error());
  store::TaskWrite w;
  w.task = store::Task::pre_validation;
  w.phase_completed = store::Phase::pre_validation;
  w.target_count = target;
  if (!*any) {
    w.source_count = 0;
    w.rows = 0;
    w.outcome = store::Outcome::skipped;
    w.move = store::Move::skip;
    w.message = "append: the source window has no rows, nothing to add";
    return w;
  }
  w.message =
      "append: the target's window holds " + std::to_string(target) + " rows before the load";
  return w;
}

}  // namespace

// Equal counts mean the window is already loaded (or empty on both sides) and the record
// ends SKIPPED with the target untouched, unless the record says to force a reload. The target is
// counted first: when its window is empty (a first load, the usual case) only whether the source
// has any row decides, and a large source window is not counted here at all (the audit counts it
// after the load).
TaskResult pre_validation(const TaskContext& ctx) {
  if (ctx.pipeline.sql) return sql_pre_validation(ctx);
  const auto ahead = ctx.ahead ? ctx.ahead->take(ctx) : std::nullopt;
  auto target =
      ahead ? Result<std::int64_t>(ahead->target) : ctx.pipeline.target->count(ctx.window);
  if (!target) return fail(target.error());
  if (ctx.pipeline.target->mode() == adapters::LoadMode::append)
    return append_baseline(ctx, *target, ahead);
  std::optional<std::int64_t> source;
  if (*target == 0) {
    auto any = source_has_rows(ctx, ahead);
    if (!any) return fail(any.error());
    if (!*any) source = 0;
  } else {
    auto counted = ctx.pipeline.source->count(ctx.window);
    if (!counted) return fail(counted.error());
    source = *counted;
  }
  store::TaskWrite w;
  w.task = store::Task::pre_validation;
  w.phase_completed = store::Phase::pre_validation;
  w.source_count = source;
  w.target_count = *target;
  w.rows = source;
  if (source == *target)
    skip_as_loaded(ctx, w, "source and target both hold " + std::to_string(*source) + " rows");
  return w;
}

void skip_as_loaded(const TaskContext& ctx, store::TaskWrite& w, const std::string& both) {
  // A forced reload (rerun/backfill --force) is for data corrected at the source with the
  // same row count: equal counts prove nothing then, so the window loads and is audited.
  if (ctx.record.force_reload) {
    w.message = both + "; reloading (forced)";
    return;
  }
  w.outcome = store::Outcome::skipped;
  w.move = store::Move::skip;
  w.message = both + ": already loaded";
}

}  // namespace sluice::tasks
