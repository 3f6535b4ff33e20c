#pragma once
// An in-process fake of adapters::Stage: one window's rows kept in memory as COPY text with
// their manifest, visible only once committed, like the local stage's rename. lose() plays
// a wiped disk, or a window staged on another host. Failures are planned per call
// ("open_writer", "commit", "find", "open_reader", "remove").
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "framework/adapters/interfaces.hpp"
#include "tests/support/fakes/failure_script.hpp"

namespace sluice::test {

class FakeStage final : public adapters::Stage {
 public:
  bool holds(const PipelineId& pipeline, Instant window_start) const;
  void lose(const PipelineId& pipeline, Instant window_start);

  FailureScript& script() { return script_; }

  Result<std::unique_ptr<adapters::StageWriter>> open_writer(
      const adapters::WindowContext& ctx) override;
  Result<std::optional<adapters::Manifest>> find(const adapters::WindowContext& ctx) override;
  Result<std::unique_ptr<adapters::StageReader>> open_reader(
      const adapters::WindowContext& ctx) override;
  Result<void> remove(const adapters::WindowContext& ctx) override;
  Result<void> for_each_window(const PipelineId& pipeline,
                               const std::function<Result<void>(Instant)>& visit) override;

  struct Staged {
    adapters::Manifest manifest;
    std::string data;  // COPY text
  };
  // The writer's commit.
  void put(const PipelineId& pipeline, Instant window_start, Staged staged);

 private:
  using Key = std::pair<std::string, Instant>;

  mutable std::mutex mutex_;
  std::map<Key, Staged> staged_;
  FailureScript script_;
};

}  // namespace sluice::test
