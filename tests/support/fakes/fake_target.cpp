#include "tests/support/fakes/fake_target.hpp"

#include <algorithm>

#include "framework/adapters/copy_text.hpp"

namespace sluice::test {
namespace {

class Load final : public adapters::TargetLoad {
 public:
  Load(FakeTarget& target, adapters::WindowContext ctx) : target_(target), ctx_(std::move(ctx)) {}

  Result<void> put(std::string_view block) override {
    if (auto error = target_.script().next("put")) return fail(*error);
    rows_ += adapters::copy_text::count_rows(block);
    return {};
  }
  Result<void> commit() override {
    if (auto error = target_.script().next("commit")) return fail(*error);
    target_.replace(ctx_.pipeline, ctx_.window.start, rows_);
    return {};
  }

 private:
  FakeTarget& target_;
  adapters::WindowContext ctx_;
  std::int64_t rows_ = 0;
};

}  // namespace

std::int64_t FakeTarget::rows(const PipelineId& pipeline, Instant window_start) const {
  std::lock_guard lock(mutex_);
  const auto it = rows_.find({pipeline.value, window_start});
  return it == rows_.end() ? 0 : it->second;
}

void FakeTarget::set_rows(const PipelineId& pipeline, Instant window_start, std::int64_t rows) {
  std::lock_guard lock(mutex_);
  rows_[{pipeline.value, window_start}] = rows;
}

void FakeTarget::drop_rows(std::int64_t rows) {
  std::lock_guard lock(mutex_);
  dropped_ = rows;
}

void FakeTarget::replace(const PipelineId& pipeline, Instant window_start, std::int64_t rows) {
  std::lock_guard lock(mutex_);
  rows_[{pipeline.value, window_start}] = std::max<std::int64_t>(rows - dropped_, 0);
}

Result<std::int64_t> FakeTarget::count(const adapters::WindowContext& ctx) {
  if (auto error = script_.next("count")) return fail(*error);
  return rows(ctx.pipeline, ctx.window.start);
}

Result<std::int64_t> FakeTarget::load(const adapters::WindowContext& ctx,
                                      adapters::StageReader& staged) {
  if (auto error = script_.next("load")) return fail(*error);
  std::int64_t rows = 0;
  for (;;) {
    auto block = staged.next_block();
    if (!block) return fail(block.error());
    if (block->empty()) break;
    rows += adapters::copy_text::count_rows(*block);
  }
  replace(ctx.pipeline, ctx.window.start, rows);
  return rows;
}

Result<std::unique_ptr<adapters::TargetLoad>> FakeTarget::start_load(
    const adapters::WindowContext& ctx, std::span<const adapters::Column> columns) {
  (void)columns;
  if (!streaming_) return std::unique_ptr<adapters::TargetLoad>{};
  if (auto error = script_.next("start_load")) return fail(*error);
  return std::unique_ptr<adapters::TargetLoad>(std::make_unique<Load>(*this, ctx));
}

}  // namespace sluice::test
