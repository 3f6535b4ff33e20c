#include "tasks/claimable.hpp"

namespace sluice::tasks {

store::ClaimLimitSet claim_limits(const Runtimes& pipelines) {
  std::vector<store::ClaimLimit> limits;
  limits.reserve(pipelines.size());
  for (const auto& p : pipelines)
    limits.push_back({p->id, p->max_active_windows, p->max_active_backfill, p->config_version,
                      p->pool, p->pool_slots, p->pool_size, p->priority});
  return limits;
}

ClaimablePipelines::ClaimablePipelines(Runtimes pipelines)
    : pipelines_(std::move(pipelines)), limits_(claim_limits(pipelines_)) {
  by_id_.reserve(pipelines_.size());
  // The first of an id wins, as a walk of the list would find it.
  for (const auto& p : pipelines_) by_id_.emplace(p->id.value, p.get());
}

const PipelineRuntime* ClaimablePipelines::find(const PipelineId& id) const {
  const auto it = by_id_.find(id.value);
  return it == by_id_.end() ? nullptr : it->second;
}

std::shared_ptr<const ClaimablePipelines> claimable(Runtimes pipelines) {
  return std::make_shared<const ClaimablePipelines>(std::move(pipelines));
}

}  // namespace sluice::tasks
