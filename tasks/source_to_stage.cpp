#include "framework/adapters/copy_text.hpp"
#include "tasks/task.hpp"

namespace sluice::tasks {
namespace {

// Writes every block to the stage and, while the target keeps up, to the target's load:
// extracting and loading overlap, as in `psql \copy ... | psql \copy ...`, while the stage
// file stays the complete record a retry loads from. A target that fails only ends its
// load; the stage is still written, and stage->target reports the target's error.
class TeeSink final : public adapters::RowSink {
 public:
  TeeSink(adapters::StageWriter& stage, adapters::Target& target,
          const adapters::WindowContext& window, StreamedLoad& streamed)
      : stage_(stage), target_(target), window_(window), streamed_(streamed) {}

  Result<void> begin(std::span<const adapters::Column> columns) override {
    if (auto r = stage_.begin(columns); !r) return r;
    auto load = target_.start_load(window_, columns);
    if (!load) {
      streamed_.error = load.error();
    } else {
      streamed_.load = std::move(*load);
    }
    return {};
  }

  Result<void> row(std::span<const adapters::Field> fields) override {
    row_.clear();
    adapters::copy_text::append_row(row_, fields);
    return copy_block(row_, 1);
  }

  Result<void> copy_block(std::string_view block, std::int64_t rows) override {
    if (auto r = stage_.copy_block(block, rows); !r) return r;
    if (streamed_.load) {
      if (auto r = streamed_.load->put(block); !r) {
        streamed_.error = r.error();
        streamed_.load.reset();  // rolls the target back
      }
    }
    return {};
  }

  Result<void> end() override { return stage_.end(); }

 private:
  adapters::StageWriter& stage_;
  adapters::Target& target_;
  const adapters::WindowContext& window_;
  StreamedLoad& streamed_;
  std::string row_;
};

}  // namespace

TaskResult source_to_stage(const TaskContext& ctx, StreamedLoad* streamed) {
  if (ctx.pipeline.sql) return sql_no_stage();
  auto writer = ctx.pipeline.stage->open_writer(ctx.window);
  if (!writer) return fail(writer.error());
  Result<std::int64_t> rows = 0;
  std::optional<TeeSink> tee;
  if (streamed) tee.emplace(**writer, *ctx.pipeline.target, ctx.window, *streamed);
  adapters::RowSink& sink = tee ? static_cast<adapters::RowSink&>(*tee) : **writer;
  if (!ctx.pipeline.transform.reshapes_rows()) {
    rows = ctx.pipeline.source->extract(ctx.window, sink);
  } else {
    const auto& w = ctx.pipeline.windows;
    transform::TransformSink transformed(
        ctx.pipeline.transform, {ctx.pipeline.id.value, ctx.window.window, w.zone, w.granularity},
        sink);
    rows = ctx.pipeline.source->extract(ctx.window, transformed);
  }
  if (!rows) {
    if (streamed) *streamed = {};  // nothing is loaded from a failed extract
    return fail(rows.error());
  }
  auto manifest = (*writer)->commit();
  if (!manifest) {
    if (streamed) *streamed = {};
    return fail(manifest.error());
  }
  if (streamed) streamed->rows = manifest->rows;
  store::TaskWrite w;
  w.task = store::Task::source_to_stage;
  w.phase_completed = store::Phase::source_to_stage;
  w.stage_count = manifest->rows;
  w.stage_bytes = manifest->bytes;
  w.rows = manifest->rows;
  return w;
}

}  // namespace sluice::tasks
