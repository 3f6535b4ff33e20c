#pragma once
// The config for commands that act on pipelines (run-once, windows preview, ...).
#include "daemon/ctl/context.hpp"
#include "framework/config/load.hpp"
#include "framework/store/database.hpp"

namespace sluice::ctl {

// The config as the daemon loads it (failure isolation): an error of the daemon file is a
// UsageError carrying every error (`FILE:LINE:COLUMN: key: message`); a pipeline file with
// errors is left out (Config::quarantined), with a warning on stderr unless `warn` is false.
// Without `read_secrets`, references are checked but not read (`validate --skip-secrets`):
// for commands that open no connection.
config::Config load_pipelines(const Context& ctx, bool warn = true, bool read_secrets = true);
// The same with the catalog's pipelines (pipeline_definitions), as the daemons load them.
config::Config load_pipelines(const Context& ctx, store::Connection& connection, bool warn = true);
// For commands that open the database next: with the catalog's pipelines when the database
// answers, else the files alone (the command's own connection then reports why it cannot).
config::Config load_all_pipelines(const Context& ctx, bool warn = true);
// For commands that name their pipelines: as load_all_pipelines, but only these ids' files
// (with their upstreams') are built (config::LoadOptions::only); each of them is loaded as
// a whole load would. When one is not loaded (unknown, or quarantined), every file is loaded
// unless `missing` is `leave`: the unknown id is then refused with the fleet's ids and its
// "did you mean", the quarantined one with its error, as before.
enum class Missing { load_all, leave };
config::Config load_named_pipelines(const Context& ctx, const std::vector<std::string>& ids,
                                    bool warn = true, Missing missing = Missing::load_all);

// For `status` and `records list --tag` over every pipeline: load_all_pipelines, answered from
// status_cache.hpp's entry when it matches (only what they read of a pipeline is filled then:
// ids, files, descriptions, zones, windows, tags, pauses, pools, priorities, depends_on,
// whether run_if is set), and the entry written again when it does not. Opens `connection`
// once the daemon file is checked (the catalog is part of the key). `use_cache` false
// (`status --no-cache`): load_all_pipelines, `connection` left alone.
config::Config load_pipeline_summaries(const Context& ctx,
                                       std::unique_ptr<store::Connection>& connection, bool warn,
                                       bool use_cache = true);

// The pipeline, or UsageError naming the ids there are (with a "did you mean").
const config::PipelineConfig& find_pipeline(const config::Config& config, std::string_view id);

}  // namespace sluice::ctl
