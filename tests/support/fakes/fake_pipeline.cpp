#include "tests/support/fakes/fake_pipeline.hpp"

namespace sluice::test {

Window FakePipeline::window(int i) {
  return Window{kFakeStart + std::chrono::hours(i), kFakeStart + std::chrono::hours(i + 1)};
}

FakePipeline fake_pipeline(const std::string& id, bool streaming) {
  FakePipeline p;
  p.source = std::make_shared<FakeSource>();
  p.stage = std::make_shared<FakeStage>();
  p.target = std::make_shared<FakeTarget>(streaming);
  p.runtime = std::make_shared<tasks::PipelineRuntime>();
  auto& r = *p.runtime;
  r.id = PipelineId{id};
  r.source_name = "fake_source";
  r.target_name = "fake_target";
  r.source = p.source;
  r.stage = p.stage;
  r.target = p.target;
  r.windows.granularity = *time::Granularity::parse("1h");
  r.windows.zone = time::utc_zone();
  r.windows.start = kFakeStart;
  r.windows.catchup = true;
  r.max_retries = 3;
  r.backoff = {std::chrono::seconds(10), std::chrono::seconds(60)};
  r.stale_threshold = std::chrono::seconds(600);
  r.max_active_windows = 1;
  r.max_active_backfill = 1;
  return p;
}

}  // namespace sluice::test
