#pragma once
// A pipeline whose source, stage and target are the in-process fakes, for the chain, the
// runner and the scheduling duties without servers: hourly UTC windows from kFakeStart.
#include <memory>
#include <string>

#include <date/date.h>

#include "tasks/pipeline_runtime.hpp"
#include "tests/support/fakes/fake_source.hpp"
#include "tests/support/fakes/fake_stage.hpp"
#include "tests/support/fakes/fake_target.hpp"

namespace sluice::test {

inline const Instant kFakeStart = Instant{date::sys_days{date::year{2024} / 1 / 1}};

struct FakePipeline {
  std::shared_ptr<FakeSource> source;
  std::shared_ptr<FakeStage> stage;
  std::shared_ptr<FakeTarget> target;
  std::shared_ptr<tasks::PipelineRuntime> runtime;

  // The `i`th hourly window from kFakeStart.
  static Window window(int i);
};

// Retries 3, backoff 10 s capped at 60 s, one live and one backfill window at a time, a
// stale threshold of 10 minutes, no end to its windows. `streaming`: the target takes rows
// while they are staged.
FakePipeline fake_pipeline(const std::string& id = "orders", bool streaming = false);

}  // namespace sluice::test
