#pragma once
// The pipelines a worker claims for, made once per load of the pipelines (sluiced's start and
// each reload, a run-once): their runtimes, their claim limits with the limits' fingerprint,
// and the runtime of each by its id. A claim reads them, never rebuilds them: at 10,000
// pipelines, rebuilding them at every claim cost more than the claim's own statement.
#include <memory>
#include <string>
#include <unordered_map>

#include "framework/store/claim_limits.hpp"
#include "tasks/scheduling.hpp"

namespace sluice::tasks {

class ClaimablePipelines {
 public:
  explicit ClaimablePipelines(Runtimes pipelines);

  const Runtimes& pipelines() const { return pipelines_; }
  const store::ClaimLimitSet& limits() const { return limits_; }
  // nullptr: not one of them.
  const PipelineRuntime* find(const PipelineId& id) const;

 private:
  Runtimes pipelines_;
  store::ClaimLimitSet limits_;
  std::unordered_map<std::string, const PipelineRuntime*> by_id_;
};

std::shared_ptr<const ClaimablePipelines> claimable(Runtimes pipelines);

// One per pipeline, in the order given.
store::ClaimLimitSet claim_limits(const Runtimes& pipelines);

}  // namespace sluice::tasks
