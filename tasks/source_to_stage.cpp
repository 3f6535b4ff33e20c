#include "tasks/task.hpp"

namespace sluice::tasks {

TaskResult source_to_stage(const TaskContext& ctx) {
  auto writer = ctx.pipeline.stage->open_writer(ctx.window);
  if (!writer) return fail(writer.error());
  auto rows = ctx.pipeline.source->extract(ctx.window, **writer);
  if (!rows) return fail(rows.error());
  auto manifest = (*writer)->commit();
  if (!manifest) return fail(manifest.error());
  store::TaskWrite w;
  w.task = store::Task::source_to_stage;
  w.phase_completed = store::Phase::source_to_stage;
  w.stage_count = manifest->rows;
  w.stage_bytes = manifest->bytes;
  w.rows = manifest->rows;
  return w;
}

}  // namespace sluice::tasks
