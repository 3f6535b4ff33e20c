#pragma once
// What `rerun --downstream` and `backfill --downstream` reach below a pipeline: every
// descendant in `depends_on` order (parents first), each over the windows that overlap what
// its parents reset, by the dependency rule (overlap on UTC instants).
#include <string>
#include <vector>

#include "daemon/ops/selection.hpp"
#include "framework/config/model.hpp"
#include "framework/core/window.hpp"
#include "framework/time/window_generator.hpp"

namespace sluice::ops {

struct DownstreamStep {
  const config::PipelineConfig* pipeline = nullptr;
  // From the start of its first window overlapping its parents' spans to the end of its last
  // one: its own window boundaries.
  Window span{};
};

// `span` widened to the windows of `spec` that overlap it: from the start of the first to the
// end of the last.
Window covering_windows(const time::WindowSpec& spec, Window span);

// The descendants of `parent` (loaded pipelines only), given the span of the parent's
// windows the action covers. A descendant none of whose parents is reached is left out.
std::vector<DownstreamStep> downstream_of(const config::Config& config,
                                          const config::PipelineConfig& parent, Window span);

// One pipeline's part of an action on records.
struct ActionStep {
  std::string pipeline;
  ActionPlan plan;
};

// The action's plan on the selection, then (with `downstream`) on each descendant's windows
// that overlap the selected ones, parents first: rerun and clear, from the CLI and the API.
Outcome<std::vector<ActionStep>> plan_steps(store::Operator& op, const config::Config& config,
                                            const Selection& s,
                                            const std::vector<store::Status>& acts_on,
                                            bool downstream);

}  // namespace sluice::ops
