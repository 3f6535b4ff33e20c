#pragma once
// What one config file means to the daemon, built whole before it replaces the running one:
// a reload either swaps the entire State or keeps the old one.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "framework/config/load.hpp"
#include "framework/config/model.hpp"
#include "tasks/claimable.hpp"
#include "tasks/pipeline_runtime.hpp"

namespace sluice::daemon {

struct State {
  // Loaded with failure isolation: config.quarantined lists the pipeline files with errors;
  // a pipeline kept at its previous definition is in config.pipelines (kept_previous).
  config::Config config;
  // Every pipeline whose adapters could be built; one that cannot is logged and left out.
  std::vector<std::shared_ptr<const tasks::PipelineRuntime>> all;
  // The ones not paused in their file: generated and claimed.
  std::vector<std::shared_ptr<const tasks::PipelineRuntime>> active;
  // `active` as the workers claim for it, with its claim limits: made with the state, so a
  // reload makes new ones and a claim never rebuilds them.
  std::shared_ptr<const tasks::ClaimablePipelines> claimable;
  // The catalog's definitions this state was loaded with, and the change they are current
  // as of (pipeline_definitions.seq; -1: the catalog was never read).
  std::vector<config::CatalogDefinition> catalog;
  std::int64_t catalog_seq = -1;
};

// Where a load reads the catalog and stores the versions of pipeline files: the daemon's
// database. Out of reach, the catalog pipelines keep the definitions `before` had.
struct CatalogAccess {
  std::string database_url;
  std::string holder;  // pipeline_definitions.created_by of a file version
};

// The config's errors as `FILE:LINE:COLUMN: key: message` lines on failure: an error of the
// daemon file. A pipeline file with errors is quarantined instead; on reload (`before` set)
// a pipeline that `before` ran from that file keeps its definition and runtime.
tl::expected<std::shared_ptr<const State>, std::vector<std::string>> load_state(
    const std::filesystem::path& file, const State* before = nullptr,
    const CatalogAccess* catalog = nullptr);

// What a reload changes, for its log line: pipeline ids added, removed, changed, paused.
struct StateDiff {
  std::vector<std::string> added, removed, changed, paused, unpaused;
  std::string describe() const;
};
StateDiff diff(const State& before, const State& after);

}  // namespace sluice::daemon
