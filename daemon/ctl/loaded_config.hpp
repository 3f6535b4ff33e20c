#pragma once
// The config for commands that act on pipelines (run-once, windows preview, ...).
#include "daemon/ctl/context.hpp"
#include "framework/config/load.hpp"

namespace sluice::ctl {

// The whole config, or UsageError carrying every error (`FILE:LINE:COLUMN: key: message`).
config::Config load_pipelines(const Context& ctx);

// The pipeline, or UsageError naming the ids there are (with a "did you mean").
const config::PipelineConfig& find_pipeline(const config::Config& config, std::string_view id);

}  // namespace sluice::ctl
