#include "tasks/task.hpp"

namespace sluice::tasks {

// Counts both sides; equal counts mean the window is already loaded (or empty on both
// sides) and the record ends SKIPPED with the target untouched.
TaskResult pre_validation(const TaskContext& ctx) {
  auto source = ctx.pipeline.source->count(ctx.window);
  if (!source) return fail(source.error());
  auto target = ctx.pipeline.target->count(ctx.window);
  if (!target) return fail(target.error());
  store::TaskWrite w;
  w.task = store::Task::pre_validation;
  w.phase_completed = store::Phase::pre_validation;
  w.source_count = *source;
  w.target_count = *target;
  w.rows = *source;
  if (*source == *target) {
    w.outcome = "SKIPPED";
    w.move = store::Move::skip;
    w.message = "source and target both hold " + std::to_string(*source) + " rows: already loaded";
  }
  return w;
}

}  // namespace sluice::tasks
