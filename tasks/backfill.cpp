#include "tasks/backfill.hpp"

#include <algorithm>
#include <map>

#include "framework/observe/log.hpp"
#include "tasks/runner.hpp"

namespace sluice::tasks {

BackfillPlan plan_backfill(const time::WindowSpec& spec, Instant from, Instant to, Instant now,
                           store::Reprocess reprocess, std::span<const ExistingWindow> existing) {
  std::map<Instant, store::Status> status_of;
  for (const auto& e : existing) status_of[e.start] = e.status;
  const auto resettable = store::statuses_to_reset(reprocess);
  BackfillPlan plan;
  for (const auto& w : time::windows_in_range(spec, from, to)) {
    if (!time::is_due(spec, w, now)) {
      ++plan.not_due;
      continue;
    }
    const auto found = status_of.find(w.start);
    if (found == status_of.end()) {
      plan.create.push_back(w);
    } else if (found->second == store::Status::in_progress) {
      plan.running.push_back(w);
    } else if (std::find(resettable.begin(), resettable.end(), found->second) != resettable.end()) {
      plan.reset.push_back(w);
    } else {
      plan.kept.push_back(w);
    }
  }
  return plan;
}

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
  // Every due window of the range; the store inserts the missing ones and resets the others.
  const store::PlanRecords records_of =
      [&](const store::BackfillRequest& r) -> Result<std::vector<store::NewRecord>> {
    const auto& p = *by_id.at(r.pipeline.value);
    std::vector<Window> due;
    for (const auto& w : time::windows_in_range(p.windows, r.from, r.to))
      if (time::is_due(p.windows, w, now)) due.push_back(w);
    return new_records(p, due, Trigger::backfill);
  };
  BackfillPass pass;
  for (int i = 0; i < options.max_requests; ++i) {
    auto taken = backfills.take(ids, records_of);
    if (!taken) return fail(taken.error());
    if (!*taken) break;
    const auto& t = **taken;
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
