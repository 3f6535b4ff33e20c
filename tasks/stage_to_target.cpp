#include "tasks/task.hpp"

namespace sluice::tasks {

TaskResult stage_to_target(const TaskContext& ctx, StreamedLoad* streamed) {
  if (ctx.pipeline.sql) return sql_stage_to_target(ctx);
  std::int64_t rows = 0;
  if (streamed && streamed->started()) {
    // The rows went in while they were staged; the stage file holds the same rows.
    if (streamed->error) return fail(*streamed->error);
    auto committed = streamed->load->commit();
    streamed->load.reset();
    if (!committed) return fail(committed.error());
    rows = streamed->rows;
  } else {
    auto reader = ctx.pipeline.stage->open_reader(ctx.window);
    if (!reader) return fail(reader.error());
    auto loaded = ctx.pipeline.target->load(ctx.window, **reader);
    if (!loaded) return fail(loaded.error());
    rows = *loaded;
  }
  store::TaskWrite w;
  w.task = store::Task::stage_to_target;
  w.phase_completed = store::Phase::stage_to_target;
  w.rows = rows;
  return w;
}

}  // namespace sluice::tasks
