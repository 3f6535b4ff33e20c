#include "tasks/task.hpp"

namespace sluice::tasks {

TaskResult stage_to_target(const TaskContext& ctx, StreamedLoad* streamed) {
  if (ctx.pipeline.sql) return sql_stage_to_target(ctx);
  adapters::Loaded loaded;
  if (streamed && streamed->started()) {
    // The rows went in while they were staged; the stage file holds the same rows.
    if (streamed->error) return fail(*streamed->error);
    auto committed = streamed->load->commit();
    loaded = {streamed->rows, streamed->load->held(), streamed->load->reported()};
    streamed->load.reset();
    if (!committed) return fail(committed.error());
  } else {
    auto reader = ctx.pipeline.stage->open_reader(ctx.window);
    if (!reader) return fail(reader.error());
    auto done = ctx.pipeline.target->load(ctx.window, **reader);
    if (!done) return fail(done.error());
    loaded = *done;
  }
  store::TaskWrite w;
  w.task = store::Task::stage_to_target;
  w.phase_completed = store::Phase::stage_to_target;
  w.rows = loaded.rows;
  if (ctx.pipeline.target->mode() == adapters::LoadMode::upsert) {
    // What the audit compares with the source, kept for an audit retried on its own.
    if (!loaded.held)
      return fail(
          Error::permanent("upsert: the target did not count its rows of the window's keys"));
    w.target_count = loaded.held;
  } else if (ctx.pipeline.audit_loaded_count) {
    // The same for `audit.target_count: loaded`: the rows the server said this load wrote.
    if (!loaded.reported)
      return fail(Error::permanent(
          "audit.target_count loaded: the target did not report the rows its load wrote"));
    w.target_count = loaded.reported;
  }
  return w;
}

}  // namespace sluice::tasks
