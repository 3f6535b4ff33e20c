#pragma once
// The config for commands that act on pipelines (run-once, windows preview, ...).
#include "daemon/ctl/context.hpp"
#include "framework/config/load.hpp"

namespace sluice::ctl {

// The config as the daemon loads it (failure isolation): an error of the daemon file is a
// UsageError carrying every error (`FILE:LINE:COLUMN: key: message`); a pipeline file with
// errors is left out (Config::quarantined), with a warning on stderr unless `warn` is false.
// Without `read_secrets`, references are checked but not read (`validate --skip-secrets`):
// for commands that open no connection.
config::Config load_pipelines(const Context& ctx, bool warn = true, bool read_secrets = true);

// The pipeline, or UsageError naming the ids there are (with a "did you mean").
const config::PipelineConfig& find_pipeline(const config::Config& config, std::string_view id);

}  // namespace sluice::ctl
