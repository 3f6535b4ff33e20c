#pragma once
// The config for commands that act on pipelines (run-once, windows preview, ...).
#include "daemon/ctl/context.hpp"
#include "framework/config/load.hpp"

namespace sluice::ctl {

// The config as the daemon loads it (failure isolation): an error of the daemon file is a
// UsageError carrying every error (`FILE:LINE:COLUMN: key: message`); a pipeline file with
// errors is left out (Config::quarantined), with a warning on stderr unless `warn` is false.
config::Config load_pipelines(const Context& ctx, bool warn = true);

// The pipeline, or UsageError naming the ids there are (with a "did you mean").
const config::PipelineConfig& find_pipeline(const config::Config& config, std::string_view id);

}  // namespace sluice::ctl
