#include "tasks/stage_sweep.hpp"

#include <algorithm>

#include "framework/observe/log.hpp"
#include "framework/store/finished_windows.hpp"

namespace sluice::tasks {
namespace {

// Looks up one batch of a pipeline's staged windows and removes the finished ones.
Result<std::int64_t> sweep_batch(pqxx::connection& connection, const PipelineRuntime& pipeline,
                                 std::span<const Instant> starts, const SweepOptions& options) {
  std::int64_t removed = 0;
  auto done = store::with_finished_windows(
      connection, pipeline.id, starts, options.keep_failed, [&](std::span<const Instant> finished) {
        for (const Instant start : finished) {
          const adapters::WindowContext window{pipeline.id, Window{start, start}, RunId{}};
          if (auto r = pipeline.stage->remove(window); !r) {
            observe::logger("stage")->warn("pipeline={} window start {}: stage not swept: {}",
                                           pipeline.id.value, format_utc(start), r.error().message);
            continue;
          }
          ++removed;
        }
      });
  if (!done) return fail(done.error());
  return removed;
}

}  // namespace

Result<std::int64_t> sweep_stage(
    pqxx::connection& connection,
    const std::vector<std::shared_ptr<const PipelineRuntime>>& pipelines,
    const SweepOptions& options) {
  const auto log = observe::logger("stage");
  const std::size_t batch = std::max<std::size_t>(options.batch, 1);
  std::int64_t removed = 0;
  std::vector<Instant> starts;
  starts.reserve(batch);
  for (const auto& p : pipelines) {
    starts.clear();
    bool store_failed = false;
    auto flush = [&]() -> Result<void> {
      auto n = sweep_batch(connection, *p, starts, options);
      starts.clear();
      if (!n) {
        store_failed = true;
        return fail(n.error());
      }
      removed += *n;
      return {};
    };
    auto walked = p->stage->for_each_window(p->id, [&](Instant start) -> Result<void> {
      starts.push_back(start);
      return starts.size() < batch ? Result<void>{} : flush();
    });
    if (walked && !starts.empty()) walked = flush();
    if (!walked && store_failed) return fail(walked.error());
    // A stage that cannot be listed is that pipeline's problem; the others are swept.
    if (!walked) log->warn("pipeline={}: {}", p->id.value, walked.error().message);
  }
  if (removed > 0) log->info("stage sweep: removed the stage of {} finished window(s)", removed);
  return removed;
}

}  // namespace sluice::tasks
