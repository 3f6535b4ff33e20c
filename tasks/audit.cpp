#include <fmt/format.h>

#include <future>

#include "framework/observe/log.hpp"
#include "tasks/audit_result.hpp"
#include "tasks/task.hpp"

namespace sluice::tasks {
namespace {

// The time each count took is in the debug log: on a large window they are the audit.
template <class Count>
Result<std::int64_t> timed_count(const TaskContext& ctx, const char* side, Count count) {
  static const auto log = observe::logger("chain");
  const auto t0 = std::chrono::steady_clock::now();
  auto n = count();
  log->debug(
      "{} audit: {} count {} in {} ms",
      observe::window_context(ctx.record.pipeline, ctx.record.window, ctx.record.run), side,
      n ? std::to_string(*n) : "failed",
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  return n;
}

}  // namespace

// A throw reaches the audit through get(), inside the chain's task boundary.
std::future<Result<std::int64_t>> start_source_count(const TaskContext& ctx) {
  return std::async(std::launch::async, [&ctx] {
    return timed_count(ctx, "source", [&] { return ctx.pipeline.source->count(ctx.window); });
  });
}

namespace {

// The audit's outcome with `counts` (where its counts came from) in its message.
TaskResult with_counts_said(TaskResult w, const std::string& counts) {
  if (w) w->message = w->message.empty() ? counts : w->message + " (" + counts + ")";
  return w;
}

// The target's side is what the load's server reported, recorded by stage->target: nothing
// is counted on the target.
TaskResult loaded_audit(const TaskContext& ctx, std::future<Result<std::int64_t>>& source_count) {
  auto source = source_count.get();
  if (!source) return fail(source.error());
  const auto loaded = ctx.record.target_count;
  if (!loaded)
    return fail(Error::permanent(
        "audit.target_count loaded: the rows the load wrote are not recorded: rerun the window"));
  return with_counts_said(
      audit_of_counts(ctx, *source, *loaded),
      fmt::format("target count: the {} rows the target reported for the load (audit.target_count: "
                  "loaded)",
                  *loaded));
}

// Counts both sides again after the load, at the same time: they are usually two servers,
// and a large window's counts are the longest part of the audit. A counting error is
// retryable like any other; counts that differ beyond the threshold are an integrity
// failure: FAILED, not retried.
//
// What the target's side is depends on the load mode (README, Load modes):
// - replace_window: the target's window, counted now;
// - append: the rows this run added, the window counted now less its count before the load
//   (pre-validation's target_count);
// - upsert: the target's rows holding the window's keys, counted by the load in its own
//   transaction (stage->target's target_count).
// With `audit.target_count: loaded` (replace_window and append), the rows the target's
// server reported for the load (stage->target's target_count) stand for the first two, and
// the audit's message says so.
// Both of the recorded counts are in the record, so that an audit retried on its own has them.
TaskResult count_audit(const TaskContext& ctx, std::future<Result<std::int64_t>>* source_count) {
  if (ctx.pipeline.sql) return sql_audit(ctx, source_count);
  std::future<Result<std::int64_t>> own;
  if (!source_count || !source_count->valid()) {
    own = start_source_count(ctx);
    source_count = &own;
  }
  const auto mode = ctx.pipeline.target->mode();
  const auto recorded = ctx.record.target_count;
  if (ctx.pipeline.audit_loaded_count && mode != adapters::LoadMode::upsert)
    return loaded_audit(ctx, *source_count);
  Result<std::int64_t> target = 0;
  if (mode != adapters::LoadMode::replace_window && !recorded) {
    target = fail(Error::permanent(
        std::string(adapters::to_string(mode)) + ": the target count " +
        (mode == adapters::LoadMode::append ? "before the load" : "of the window's keys") +
        " is not recorded: rerun the window"));
  } else if (mode == adapters::LoadMode::upsert) {
    target = *recorded;
  } else {
    target = timed_count(ctx, "target", [&] { return ctx.pipeline.target->count(ctx.window); });
  }
  auto source = source_count->get();
  if (!source) return fail(source.error());
  if (!target) return fail(target.error());
  if (mode != adapters::LoadMode::append) return audit_of_counts(ctx, *source, *target);
  return with_counts_said(
      audit_of_counts(ctx, *source, *target - *recorded),
      fmt::format("append: the target's window held {} rows before the load and {} after",
                  *recorded, *target));
}

}  // namespace

// The counts first; the data checks only once they pass (a window whose rows are missing
// has nothing worth checking).
TaskResult audit(const TaskContext& ctx, std::future<Result<std::int64_t>>* source_count) {
  auto counted = count_audit(ctx, source_count);
  if (!counted || counted->move != store::Move::succeed) return counted;
  return run_checks(ctx, std::move(*counted));
}

TaskResult audit_of_counts(const TaskContext& ctx, std::int64_t source, std::int64_t target) {
  const auto outcome = audit_counts(source, target, ctx.pipeline.max_difference_pct);
  store::TaskWrite w;
  w.task = store::Task::audit;
  w.phase_completed = store::Phase::audit;
  w.source_count = source;
  w.target_count = target;
  w.count_difference = outcome.count_difference;
  w.percentage_difference = outcome.percentage_difference;
  w.audit_result = std::string(outcome.result());
  w.rows = target;
  if (outcome.pass) {
    w.move = store::Move::succeed;
  } else {
    w.status = store::TaskStatus::failed;
    w.outcome = store::Outcome::failed;
    w.move = store::Move::fail;
    w.message = fmt::format(
        "integrity: audit failed: source {} rows, target {} rows ({:.2f}% > {:.2f}% allowed)",
        source, target, outcome.percentage_difference, ctx.pipeline.max_difference_pct);
  }
  return w;
}

}  // namespace sluice::tasks
