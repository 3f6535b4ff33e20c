#pragma once
// Everything the chain and the runner need to know about one pipeline, resolved once from
// its configuration: the adapters it talks to and the settings that decide what follows.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "framework/adapters/interfaces.hpp"
#include "framework/adapters/sql_runner.hpp"
#include "framework/core/ids.hpp"
#include "framework/store/record_store.hpp"
#include "framework/time/field_template.hpp"
#include "framework/time/window_generator.hpp"
#include "framework/transform/transform.hpp"
#include "tasks/backoff.hpp"
#include "tasks/check_runtime.hpp"
#include "tasks/run_if.hpp"

namespace sluice::tasks {

// The pipeline's `timeout` (the whole window, from its claim to the end of the audit) and
// its tasks' (`tasks.<task>.timeout`); none when unset. Past one, the running call is
// cancelled and the window retried (tasks/chain.cpp).
struct Timeouts {
  std::optional<std::chrono::milliseconds> window;
  std::map<store::Task, std::chrono::milliseconds> tasks;

  bool any() const { return window || !tasks.empty(); }
};

struct PipelineRuntime {
  PipelineId id;
  std::string source_name;  // the connection names, as the record's source_name/target_name
  std::string target_name;

  std::shared_ptr<adapters::Source> source;
  std::shared_ptr<adapters::Stage> stage;
  std::shared_ptr<adapters::Target> target;
  transform::Spec transform;  // applied between source and stage; empty: rows unchanged

  // A SQL pipeline (`kind: sql`): its statements run on the target's server by `sql`, and
  // `source` and `target` are null (tasks/sql_window.cpp). The stage stays, empty: the
  // sweep of finished windows walks every pipeline's.
  std::shared_ptr<adapters::SqlRunner> sql;
  adapters::SqlStatements statements;

  time::WindowSpec windows;
  std::map<std::string, time::FieldTemplate> business_fields;
  std::vector<std::string> check_fields;  // business fields a record must carry
  std::optional<RunIf> run_if;  // conditions checked by store & validate (tasks/run_if.hpp)

  double max_difference_pct = 0;
  // `audit.target_count: loaded` (replace_window and append only): the audit compares the
  // source with the rows the target's server reported for the load (stage->target's
  // target_count) instead of counting the target's window again.
  bool audit_loaded_count = false;
  // `checks:`, run by the audit once its counts pass (tasks/checks.cpp); empty: none.
  std::vector<WindowCheck> checks;
  int max_retries = 3;
  BackoffPolicy backoff;
  std::chrono::seconds stale_threshold{7200};
  Timeouts timeouts;
  int max_active_windows = 1;
  int max_active_backfill = 1;
  // Its pool (empty: none), the slots a window takes there, the pool's size in this daemon's
  // file, and the claim's priority (store::ClaimLimit).
  std::string pool;
  int pool_slots = 1;
  int pool_size = 0;
  int priority = 0;
  // pipeline_definitions.version of the definition this runtime was built from: each
  // fenced write of a window's run records it (0: unknown, not written).
  int config_version = 0;
};

}  // namespace sluice::tasks
