#pragma once
// `sluicectl plan`: the pipelines and windows that would run, in order, grouped into levels
// whose pipelines may run at once once the levels before them are done, with each window's
// state read from the records: done, running, failed, missing, not due yet, ready, or
// blocked (and by what).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/ops/refusal.hpp"
#include "framework/config/model.hpp"
#include "framework/store/operator.hpp"

namespace sluice::ops {

struct PlanInput {
  std::string pipeline{};
  std::string from{}, to{};  // as written; empty: the last day up to now
  bool downstream = false, upstream = false;
  std::size_t max_windows = 1000;  // per pipeline; the rest are counted
};

struct PlannedWindow {
  Window window{};
  std::string state{};   // done, running, failed, missing, not_due, ready, blocked
  std::string detail{};  // blocked: what it waits on; failed: the error
};

struct PlannedPipeline {
  const config::PipelineConfig* pipeline = nullptr;
  Window span{};
  std::vector<PlannedWindow> windows{};
  std::int64_t more = 0;  // windows of the span left out past max_windows
};

struct Plan {
  std::vector<std::vector<PlannedPipeline>> levels{};
};

// Refuses an unknown pipeline, a bad time, `to` not after `from` (Dialect names the fields).
Outcome<Plan> make_plan(store::Operator& op, const config::Config& config, const PlanInput& in,
                        Instant now, Dialect d);

nlohmann::json plan_json(const Plan& plan);

}  // namespace sluice::ops
