#pragma once
// An in-process fake of adapters::Target: the rows loaded per window (replaced whole by each
// load, as the real targets do in one transaction; added to in `append` mode; replaced in
// `upsert` mode, which counts the window's rows as the ones holding its keys). Built `streaming`,
// it takes rows while they are staged (start_load) and shows them only at commit; a load destroyed
// uncommitted leaves nothing. drop_rows() plays a target that loses rows. Failures are planned per
// call
// ("count", "count_each", "load", "start_load", "put", "commit").
#include <map>
#include <mutex>
#include <utility>

#include "framework/adapters/interfaces.hpp"
#include "tests/support/fakes/failure_script.hpp"

namespace sluice::test {

class FakeTarget final : public adapters::Target {
 public:
  explicit FakeTarget(bool streaming = false,
                      adapters::LoadMode mode = adapters::LoadMode::replace_window)
      : streaming_(streaming), mode_(mode) {}

  adapters::LoadMode mode() const override { return mode_; }

  // The window's rows as loaded (or set): what count() reports.
  std::int64_t rows(const PipelineId& pipeline, Instant window_start) const;
  // Rows loaded earlier, outside this run.
  void set_rows(const PipelineId& pipeline, Instant window_start, std::int64_t rows);
  // Every load keeps `rows` fewer rows than it was given.
  void drop_rows(std::int64_t rows);

  FailureScript& script() { return script_; }
  // Answers count_each in one call (counted as "count_each"), as a server target does.
  void answer_windows_together() { together_ = true; }

  Result<std::int64_t> count(const adapters::WindowContext& ctx) override;
  bool answers_windows_together() const override { return together_; }
  Result<std::vector<std::int64_t>> count_each(const adapters::WindowContext& ctx,
                                               std::span<const Window> windows) override;
  Result<adapters::Loaded> load(const adapters::WindowContext& ctx,
                                adapters::StageReader& staged) override;
  Result<std::unique_ptr<adapters::TargetLoad>> start_load(
      const adapters::WindowContext& ctx, std::span<const adapters::Column> columns) override;

  // A load's commit: the window's rows replaced (added to, in append mode); what an upsert
  // counts after it. `kept`: the rows it wrote (Loaded::reported: the dropped ones are not).
  std::int64_t replace(const PipelineId& pipeline, Instant window_start, std::int64_t rows,
                       std::int64_t* kept = nullptr);

 private:
  const bool streaming_;
  const adapters::LoadMode mode_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, Instant>, std::int64_t> rows_;
  std::int64_t dropped_ = 0;
  bool together_ = false;
  FailureScript script_;
};

}  // namespace sluice::test
