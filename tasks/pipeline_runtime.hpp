#pragma once
// Everything the chain and the runner need to know about one pipeline, resolved once from
// its configuration: the adapters it talks to and the settings that decide what follows.
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "framework/adapters/interfaces.hpp"
#include "framework/core/ids.hpp"
#include "framework/time/field_template.hpp"
#include "framework/time/window_generator.hpp"
#include "framework/transform/transform.hpp"
#include "tasks/backoff.hpp"

namespace sluice::tasks {

struct PipelineRuntime {
  PipelineId id;
  std::string source_name;  // the connection names, as the record's source_name/target_name
  std::string target_name;

  std::shared_ptr<adapters::Source> source;
  std::shared_ptr<adapters::Stage> stage;
  std::shared_ptr<adapters::Target> target;
  transform::Spec transform;  // applied between source and stage; empty: rows unchanged

  time::WindowSpec windows;
  std::map<std::string, time::FieldTemplate> business_fields;
  std::vector<std::string> check_fields;  // business fields a record must carry

  double max_difference_pct = 0;
  int max_retries = 3;
  BackoffPolicy backoff;
  std::chrono::seconds stale_threshold{7200};
  int max_active_windows = 1;
  int max_active_backfill = 1;
};

}  // namespace sluice::tasks
