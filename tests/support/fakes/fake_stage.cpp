#include "tests/support/fakes/fake_stage.hpp"

#include <vector>

#include "framework/adapters/copy_text.hpp"

namespace sluice::test {
namespace {

class Writer final : public adapters::StageWriter {
 public:
  Writer(FakeStage& stage, adapters::WindowContext ctx) : stage_(stage), ctx_(std::move(ctx)) {}

  Result<void> begin(std::span<const adapters::Column> columns) override {
    staged_.manifest.columns.assign(columns.begin(), columns.end());
    return {};
  }
  Result<void> row(std::span<const adapters::Field> fields) override {
    adapters::copy_text::append_row(staged_.data, fields);
    ++staged_.manifest.rows;
    return {};
  }
  Result<void> copy_block(std::string_view block, std::int64_t rows) override {
    staged_.data += block;
    staged_.manifest.rows += rows;
    return {};
  }
  Result<void> end() override { return {}; }

  Result<adapters::Manifest> commit() override {
    if (auto error = stage_.script().next("commit")) return fail(*error);
    staged_.manifest.format = "copy_text";
    staged_.manifest.compression = "none";
    staged_.manifest.bytes = static_cast<std::int64_t>(staged_.data.size());
    staged_.manifest.run_id = ctx_.run.value;
    const auto manifest = staged_.manifest;
    stage_.put(ctx_.pipeline, ctx_.window.start, std::move(staged_));
    return manifest;
  }

 private:
  FakeStage& stage_;
  adapters::WindowContext ctx_;
  FakeStage::Staged staged_;
};

class Reader final : public adapters::StageReader {
 public:
  explicit Reader(FakeStage::Staged staged) : staged_(std::move(staged)) {}
  const adapters::Manifest& manifest() const override { return staged_.manifest; }
  Result<std::string_view> next_block() override {
    if (done_) return std::string_view{};
    done_ = true;
    return std::string_view(staged_.data);
  }

 private:
  FakeStage::Staged staged_;
  bool done_ = false;
};

}  // namespace

bool FakeStage::holds(const PipelineId& pipeline, Instant window_start) const {
  std::lock_guard lock(mutex_);
  return staged_.contains({pipeline.value, window_start});
}

void FakeStage::lose(const PipelineId& pipeline, Instant window_start) {
  std::lock_guard lock(mutex_);
  staged_.erase({pipeline.value, window_start});
}

void FakeStage::put(const PipelineId& pipeline, Instant window_start, Staged staged) {
  std::lock_guard lock(mutex_);
  staged_[{pipeline.value, window_start}] = std::move(staged);
}

Result<std::unique_ptr<adapters::StageWriter>> FakeStage::open_writer(
    const adapters::WindowContext& ctx) {
  if (auto error = script_.next("open_writer")) return fail(*error);
  return std::unique_ptr<adapters::StageWriter>(std::make_unique<Writer>(*this, ctx));
}

Result<std::optional<adapters::Manifest>> FakeStage::find(const adapters::WindowContext& ctx) {
  if (auto error = script_.next("find")) return fail(*error);
  std::lock_guard lock(mutex_);
  const auto it = staged_.find({ctx.pipeline.value, ctx.window.start});
  if (it == staged_.end()) return std::optional<adapters::Manifest>{};
  return std::optional(it->second.manifest);
}

Result<std::unique_ptr<adapters::StageReader>> FakeStage::open_reader(
    const adapters::WindowContext& ctx) {
  if (auto error = script_.next("open_reader")) return fail(*error);
  std::lock_guard lock(mutex_);
  const auto it = staged_.find({ctx.pipeline.value, ctx.window.start});
  if (it == staged_.end()) return fail(Error::permanent("nothing staged for this window"));
  return std::unique_ptr<adapters::StageReader>(std::make_unique<Reader>(it->second));
}

Result<void> FakeStage::remove(const adapters::WindowContext& ctx) {
  if (auto error = script_.next("remove")) return fail(*error);
  std::lock_guard lock(mutex_);
  staged_.erase({ctx.pipeline.value, ctx.window.start});
  return {};
}

Result<void> FakeStage::for_each_window(const PipelineId& pipeline,
                                        const std::function<Result<void>(Instant)>& visit) {
  std::vector<Instant> starts;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, staged] : staged_)
      if (key.first == pipeline.value) starts.push_back(key.second);
  }
  for (const auto start : starts)
    if (auto r = visit(start); !r) return r;
  return {};
}

}  // namespace sluice::test
