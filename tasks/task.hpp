#pragma once
// What every task of the chain sees, and what it returns: the write it wants made (its
// columns, the phase it completed, perhaps a move to a final status), or a classified Error
// that the chain turns into a retry or a failure.
#include <chrono>

#include "framework/adapters/interfaces.hpp"
#include "framework/store/records.hpp"
#include "tasks/pipeline_runtime.hpp"

namespace sluice::tasks {

struct TaskContext {
  const store::Record& record;
  const PipelineRuntime& pipeline;
  adapters::WindowContext window;
  Instant now;
};

using TaskResult = Result<store::TaskWrite>;

// nullopt: the record may go on. A write: it may not (missing business fields: fail; window
// not yet stable: release until it is).
Result<std::optional<store::TaskWrite>> store_and_validate(const TaskContext& ctx);
TaskResult pre_validation(const TaskContext& ctx);
TaskResult source_to_stage(const TaskContext& ctx);
TaskResult stage_to_target(const TaskContext& ctx);
TaskResult audit(const TaskContext& ctx);

}  // namespace sluice::tasks
