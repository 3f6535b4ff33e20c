#include "tasks/scheduling.hpp"

#include "framework/observe/log.hpp"
#include "framework/observe/metrics.hpp"
#include "framework/time/duration.hpp"
#include "tasks/runner.hpp"

namespace sluice::tasks {

StalePolicy stale_policy(const Runtimes& configured, std::chrono::seconds daemon_threshold) {
  StalePolicy policy;
  for (const auto& p : configured)
    policy.limits.push_back({p->id, p->stale_threshold, p->max_retries});
  policy.fallback.threshold = daemon_threshold;
  return policy;
}

StalePolicy stale_policy(const config::Config& config) {
  StalePolicy policy;
  for (const auto& p : config.pipelines)
    policy.limits.push_back(
        {p.id, std::chrono::duration_cast<std::chrono::seconds>(p.stale_threshold.fixed),
         p.retries.max});
  policy.fallback.threshold =
      std::chrono::duration_cast<std::chrono::seconds>(config.daemon.stale_threshold.fixed);
  return policy;
}

Result<store::CleanupReport> free_stale_locks(store::RecordStore& records,
                                              const StalePolicy& policy) {
  auto report = records.expire_stale_locks(policy.limits, policy.fallback);
  if (report) observe::metrics().stale_locks_freed(report->returned_to_pending + report->failed);
  if (report && report->returned_to_pending + report->failed > 0)
    observe::logger("claims")->warn(
        "stale locks: {} window(s) back to PENDING, {} FAILED (retries used up)",
        report->returned_to_pending, report->failed);
  return report;
}

// A worker holds its claim the moment the claim returns, and the keeper renews what is held
// every interval, so no running window is ever this old. The age also covers a claim that
// committed a moment ago and is not held yet (its lease is the claim's own instant); the
// keeper is asked after the query, so a window held meanwhile is kept.
constexpr int kOrphanIntervals = 3;

Result<std::int64_t> release_orphans(store::RecordStore& records, LeaseKeeper& leases) {
  const auto age = kOrphanIntervals * leases.interval();
  auto unrenewed = records.own_unrenewed_locks(age);
  if (!unrenewed) return fail(unrenewed.error());
  std::vector<store::Record> orphans;
  for (auto& record : *unrenewed)
    if (!leases.accounts_for(record)) orphans.push_back(std::move(record));
  if (orphans.empty()) return 0;
  const auto log = observe::logger("claims");
  for (const auto& r : orphans)
    log->warn(
        "{} is IN_PROGRESS under this daemon, yet none of its workers holds it and its lease "
        "was not renewed for {}: releasing the orphaned claim",
        observe::window_context(r.pipeline, r.window, r.run),
        time::to_string({.fixed = std::chrono::duration_cast<Seconds>(age)}));
  return release_windows(records, orphans, "released: orphaned claim of this daemon");
}

}  // namespace sluice::tasks
