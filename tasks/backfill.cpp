#include "tasks/backfill.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "framework/observe/log.hpp"
#include "tasks/runner.hpp"

namespace sluice::tasks {

Result<std::int64_t> check_backfill_size(const time::WindowSpec& spec, Instant from, Instant to,
                                         std::int64_t max_windows) {
  const std::int64_t n = time::WindowRange(spec, from, to).remaining();
  if (n <= max_windows) return n;
  return fail(Error::permanent(fmt::format(
      "refused: the range [{}, {}) holds {} windows, more than "
      "scheduler.backfill_max_windows ({}); split it into smaller ranges",
      time::format_in_zone(from, spec.zone), time::format_in_zone(to, spec.zone), n, max_windows)));
}

BackfillPlan plan_backfill(const time::WindowSpec& spec, Instant from, Instant to, Instant now,
                           store::Reprocess reprocess, const ExistingWindows& existing,
                           std::size_t listed) {
  const auto resettable = store::statuses_to_reset(reprocess);
  BackfillPlan plan;
  const auto add = [listed](BackfillPlan::Action& action, const Window& w) {
    ++action.count;
    if (action.first.size() < listed) action.first.push_back(w);
  };
  std::optional<ExistingWindow> record = existing();
  time::WindowRange range(spec, from, to);
  while (const auto w = range.next()) {
    if (!time::is_due(spec, *w, now)) {
      // Due-ness only grows with a window's end: the rest of the range is not due either.
      plan.not_due = 1 + range.remaining();
      break;
    }
    while (record && record->start < w->start) record = existing();
    if (!record || record->start != w->start) {
      add(plan.create, *w);
    } else if (record->status == store::Status::in_progress) {
      add(plan.running, *w);
    } else if (std::find(resettable.begin(), resettable.end(), record->status) !=
               resettable.end()) {
      add(plan.reset, *w);
    } else {
      add(plan.kept, *w);
    }
  }
  return plan;
}

namespace {

// One batch of a request: its due windows from `from`, at most `size`, as records.
store::BackfillBatch next_batch(const PipelineRuntime& p, const store::BackfillRequest& r,
                                Instant from, Instant now, std::size_t size) {
  store::BackfillBatch batch{.records = {}, .until = r.to};
  std::vector<Window> due;
  time::WindowRange range(p.windows, from, r.to);
  while (due.size() < size) {
    const auto w = range.next();
    if (!w || !time::is_due(p.windows, *w, now)) break;  // the rest is not due: the schedule's
    due.push_back(*w);
  }
  if (due.size() == size) batch.until = range.resume_point();
  batch.records = new_records(p, due, Trigger::backfill);
  return batch;
}

}  // namespace

Result<BackfillPass> process_backfill_requests(
    store::Connection& connection,
    std::span<const std::shared_ptr<const PipelineRuntime>> pipelines, Instant now,
    const BackfillOptions& options) {
  const auto log = observe::logger("backfill");
  std::map<std::string, std::shared_ptr<const PipelineRuntime>, std::less<>> by_id;
  std::vector<std::string> ids;
  for (const auto& p : pipelines) {
    by_id[p->id.value] = p;
    ids.push_back(p->id.value);
  }
  store::Backfills backfills(connection,
                             options.holder.empty() ? default_holder() : options.holder);
  const std::size_t batch_windows = std::max<std::size_t>(options.batch_windows, 1);
  const store::BackfillPlanner planner{
      .check = [&](const store::BackfillRequest& r) -> Result<void> {
        auto n = check_backfill_size(by_id.at(r.pipeline.value)->windows, r.from, r.to,
                                     options.max_windows);
        if (!n) return fail(n.error());
        return {};
      },
      .batch = [&](const store::BackfillRequest& r, Instant from) -> Result<store::BackfillBatch> {
        return next_batch(*by_id.at(r.pipeline.value), r, from, now, batch_windows);
      }};
  BackfillPass pass;
  for (;;) {
    if (pass.batches >= options.max_batches || (options.stop && options.stop())) {
      pass.more = true;
      return pass;  // progress is read by the call that ends with nothing left
    }
    auto taken = backfills.take(ids, planner);
    if (!taken) return fail(taken.error());
    if (!*taken) break;
    ++pass.batches;
    const auto& t = **taken;
    if (!t.planned) continue;
    log->info("backfill request {} pipeline={} [{}, {}) reprocess={}: {}", t.request.id,
              t.request.pipeline.value, format_utc(t.request.from), format_utc(t.request.to),
              to_string(t.request.reprocess), t.request.message);
    pass.taken.push_back(t);
  }
  auto finished = backfills.update_progress();
  if (!finished) return fail(finished.error());
  pass.finished = *finished;
  return pass;
}

}  // namespace sluice::tasks
