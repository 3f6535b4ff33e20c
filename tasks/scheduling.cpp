#include "tasks/scheduling.hpp"

#include "framework/observe/log.hpp"
#include "framework/observe/metrics.hpp"

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

}  // namespace sluice::tasks
