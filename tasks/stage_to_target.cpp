#include "tasks/task.hpp"

namespace sluice::tasks {

TaskResult stage_to_target(const TaskContext& ctx) {
  auto reader = ctx.pipeline.stage->open_reader(ctx.window);
  if (!reader) return fail(reader.error());
  auto rows = ctx.pipeline.target->load(ctx.window, **reader);
  if (!rows) return fail(rows.error());
  store::TaskWrite w;
  w.task = store::Task::stage_to_target;
  w.phase_completed = store::Phase::stage_to_target;
  w.rows = *rows;
  return w;
}

}  // namespace sluice::tasks
