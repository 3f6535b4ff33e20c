#pragma once
// A validated pipeline config becomes the runtime the chain works with: its adapters built
// by their registry rows, its settings in the chain's units.
#include <memory>
#include <vector>

#include "framework/config/model.hpp"
#include "tasks/pipeline_runtime.hpp"

namespace sluice::tasks {

// Fails (permanent) when an adapter's code is not in this build or a secret is unresolved;
// the message names the pipeline and its file.
Result<std::shared_ptr<const PipelineRuntime>> runtime_from_config(
    const config::Config& config, const config::PipelineConfig& pipeline);

// Every pipeline that can run; the ones that cannot are logged and left out, so one bad
// pipeline never stops the others.
std::vector<std::shared_ptr<const PipelineRuntime>> runtimes_from_config(
    const config::Config& config);

}  // namespace sluice::tasks
