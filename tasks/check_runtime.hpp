#pragma once
// A pipeline's data checks as the chain runs them (tasks/checks.cpp): each check's spec and
// what it asks, built once from the config with the registry's CheckServer factories.
#include <memory>
#include <vector>

#include "framework/adapters/window_query.hpp"
#include "framework/config/model.hpp"

namespace sluice::tasks {

struct WindowCheck {
  config::CheckSpec spec;
  // The target's window rows (not_null, unique, sum_match) and the source's (sum_match);
  // the connection an assertion query runs on (sql). Shared by the pipeline's checks.
  std::shared_ptr<adapters::WindowQuery> target, source;
  std::shared_ptr<adapters::CheckQuery> query;
};

// The checks of `p`, or an Error (a factory's: an unresolved secret) naming the pipeline.
Result<std::vector<WindowCheck>> checks_from_config(const config::Config& config,
                                                    const config::PipelineConfig& p);

}  // namespace sluice::tasks
